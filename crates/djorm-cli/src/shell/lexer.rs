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
        } else if matches!(c, 'r' | 'R') && matches!(chars.get(i + 1), Some((_, '"' | '\''))) {
            // A raw string, as Python's r"^\d+": backslashes are kept as written.
            let (text, next) = raw_string_literal(&chars, i + 1)?;
            out.push(Token { kind: Tok::Str(text), at });
            i = next;
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
        } else if "()[]{},.=:|^&~+-*/%;".contains(c) {
            out.push(Token { kind: Tok::Punct(c), at });
            i += 1;
        } else {
            return Err(format!("unexpected character '{c}' at column {}", at + 1));
        }
    }
    out.push(Token { kind: Tok::End, at: line.len() });
    Ok(out)
}

/// Reads a quoted string starting at `chars[start]`; returns its contents and the index after
/// it. Escapes mean what they mean in Python: `\n`, `\t`, `\x41`, `\u00e9`, `\U0001F600`, octal
/// `\101`, …; an unknown escape keeps its backslash (`'\d'` is two characters, as in Python).
fn string_literal(chars: &[(usize, char)], start: usize) -> Result<(String, usize), String> {
    quoted(chars, start, false)
}

/// A raw string (`r"..."`) starting at its quote: a backslash is kept as written (it only
/// stops the next character from ending the string).
fn raw_string_literal(chars: &[(usize, char)], start: usize) -> Result<(String, usize), String> {
    quoted(chars, start, true)
}

fn quoted(chars: &[(usize, char)], start: usize, raw: bool) -> Result<(String, usize), String> {
    let quote = chars[start].1;
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i].1 {
            c if c == quote => return Ok((text, i + 1)),
            '\\' if i + 1 < chars.len() && raw => {
                text.push('\\');
                text.push(chars[i + 1].1);
                i += 2;
            }
            '\\' if i + 1 < chars.len() => {
                let (escaped, used) = escape(chars, i + 1)?;
                text.push_str(&escaped);
                i += 1 + used;
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    let opening = if raw { start.saturating_sub(1) } else { start };
    Err(format!("unterminated string starting at column {}", chars[opening].0 + 1))
}

/// The escape after a backslash at `chars[at]`: the text it stands for and how many
/// characters it used.
fn escape(chars: &[(usize, char)], at: usize) -> Result<(String, usize), String> {
    let simple = |c: char| Ok((c.to_string(), 1));
    match chars[at].1 {
        'n' => simple('\n'),
        't' => simple('\t'),
        'r' => simple('\r'),
        '0'..='7' => {
            let digits: String = chars[at..].iter().take(3).map(|(_, c)| *c).take_while(|c| c.is_digit(8)).collect();
            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
            let c = char::from_u32(code).ok_or_else(|| format!("invalid octal escape \\{digits}"))?;
            Ok((c.to_string(), digits.len()))
        }
        'a' => simple('\u{07}'),
        'b' => simple('\u{08}'),
        'f' => simple('\u{0C}'),
        'v' => simple('\u{0B}'),
        '\\' | '\'' | '"' => simple(chars[at].1),
        kind @ ('x' | 'u' | 'U') => {
            let width = match kind {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits: String = chars[at + 1..].iter().take(width).map(|(_, c)| *c).collect();
            let column = chars[at].0;
            if digits.len() < width || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("truncated \\{kind} escape at column {column}: it takes {width} hex digits"));
            }
            let code = u32::from_str_radix(&digits, 16).unwrap_or(u32::MAX);
            let c = char::from_u32(code)
                .ok_or_else(|| format!("\\{kind}{digits} at column {column} is not a Unicode character"))?;
            Ok((c.to_string(), 1 + width))
        }
        'N' => Err(format!("\\N{{...}} escapes are not supported (column {}); write the character", chars[at].0)),
        other => Ok((format!("\\{other}"), 1)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn string(source: &str) -> String {
        match &tokenize(source).unwrap()[0].kind {
            Tok::Str(s) => s.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escapes_mean_what_they_mean_in_python() {
        assert_eq!(string(r"'\x41'"), "A");
        assert_eq!(string(r"'\u00e9t\u00e9'"), "été");
        assert_eq!(string(r"'\U0001F600'"), "😀");
        assert_eq!(string(r"'\101\0'"), "A\0");
        assert_eq!(string(r#"'a\'b\"c\\d'"#), "a'b\"c\\d");
        assert_eq!(string(r"'\n\t\r\a\b\f\v'"), "\n\t\r\u{7}\u{8}\u{c}\u{b}");
        assert_eq!(string(r"'\d+'"), "\\d+", "an unknown escape keeps its backslash");
        assert_eq!(string(r"r'^\d+\.'"), "^\\d+\\.");
        assert!(tokenize(r"'\x4'").unwrap_err().contains("truncated \\x escape"));
        assert!(tokenize(r"'\ud800'").unwrap_err().contains("not a Unicode character"));
        assert!(tokenize(r"'\N{BULLET}'").unwrap_err().contains("not supported"));
    }
}
