//! Splits a shell line into tokens.

/// A token and the byte offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Where it starts in the line.
    pub at: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name.
    Ident(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string literal's contents.
    Str(String),
    /// One punctuation character: `( ) [ ] , . = : | & ~ + - * / ;`.
    Punct(char),
    /// The end of the line.
    End,
}

/// Tokenizes `line`, or says where it cannot.
pub fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            break;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].1.is_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            out.push(Token { kind: Tok::Ident(chars[start..i].iter().map(|(_, c)| c).collect()), at });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '_') {
                i += 1;
            }
            let is_float = i + 1 < chars.len() && chars[i].1 == '.' && chars[i + 1].1.is_ascii_digit();
            if is_float {
                i += 1;
                while i < chars.len() && chars[i].1.is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().map(|(_, c)| *c).filter(|c| *c != '_').collect();
            let kind = if is_float {
                Tok::Float(text.parse().map_err(|_| format!("bad number '{text}' at column {}", at + 1))?)
            } else {
                Tok::Int(text.parse().map_err(|_| format!("number '{text}' at column {} is too large", at + 1))?)
            };
            out.push(Token { kind, at });
        } else if c == '"' || c == '\'' {
            let (text, next) = string_literal(&chars, i)?;
            out.push(Token { kind: Tok::Str(text), at });
            i = next;
        } else if "()[],.=:|&~+-*/;".contains(c) {
            out.push(Token { kind: Tok::Punct(c), at });
            i += 1;
        } else {
            return Err(format!("unexpected character '{c}' at column {}", at + 1));
        }
    }
    out.push(Token { kind: Tok::End, at: line.len() });
    Ok(out)
}

/// Reads a quoted string starting at `chars[start]`; returns its contents and the index after it.
fn string_literal(chars: &[(usize, char)], start: usize) -> Result<(String, usize), String> {
    let quote = chars[start].1;
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i].1 {
            c if c == quote => return Ok((text, i + 1)),
            '\\' if i + 1 < chars.len() => {
                text.push(match chars[i + 1].1 {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                i += 2;
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(format!("unterminated string starting at column {}", chars[start].0 + 1))
}
