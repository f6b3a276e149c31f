//! A recursive-descent parser for shell lines. It never panics: every malformed input is an
//! error message, and nesting deeper than [`MAX_DEPTH`] is refused rather than overflowing.

use super::lexer::{tokenize, Tok, Token};
use super::syntax::{Arg, BinOp, Expr, Lit, Stmt, UnOp};

/// How deeply expressions may nest.
pub const MAX_DEPTH: usize = 64;

/// How many attributes, calls and subscripts one chain may have (`qs.filter(..).exclude(..)`).
pub const MAX_CHAIN: usize = 256;

/// Parses one line into its statements (separated by `;`).
pub fn parse_line(line: &str) -> Result<Vec<Stmt>, String> {
    let tokens = tokenize(line)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let mut statements = Vec::new();
    loop {
        while parser.eat(';') {}
        if parser.peek() == &Tok::End {
            return Ok(statements);
        }
        statements.push(parser.statement()?);
        if !parser.eat(';') && parser.peek() != &Tok::End {
            return Err(parser.unexpected());
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].kind
    }

    fn peek_at(&self, offset: usize) -> &Tok {
        &self.tokens[(self.pos + offset).min(self.tokens.len() - 1)].kind
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == &Tok::Punct(c) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' {}", self.where_()))
        }
    }

    fn where_(&self) -> String {
        let token = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        match &token.kind {
            Tok::End => "at the end of the line".into(),
            _ => format!("at column {}", token.at + 1),
        }
    }

    fn unexpected(&self) -> String {
        match self.peek() {
            Tok::End => "unexpected end of line".into(),
            Tok::Ident(s) => format!("unexpected name '{s}' {}", self.where_()),
            Tok::Punct(c) => format!("unexpected '{c}' {}", self.where_()),
            _ => format!("unexpected value {}", self.where_()),
        }
    }

    fn statement(&mut self) -> Result<Stmt, String> {
        let target = self.expr()?;
        if !self.eat('=') {
            return Ok(Stmt::Expr(target));
        }
        let value = self.expr()?;
        match target {
            Expr::Name(name) => Ok(Stmt::Assign(name, value)),
            Expr::Attr(object, field) => Ok(Stmt::SetAttr(*object, field, value)),
            _ => Err("can only assign to a name or an attribute (x = ..., obj.field = ...)".into()),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("expression nested more than {MAX_DEPTH} levels deep"));
        }
        let result = self.binary(0);
        self.depth -= 1;
        result
    }

    /// Precedence climbing over `|` < `^` < `&` < `+ -` < `* / %`, as Python's.
    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        const LEVELS: [&[(char, BinOp)]; 5] = [
            &[('|', BinOp::Or)],
            &[('^', BinOp::Xor)],
            &[('&', BinOp::And)],
            &[('+', BinOp::Add), ('-', BinOp::Sub)],
            &[('*', BinOp::Mul), ('/', BinOp::Div), ('%', BinOp::Mod)],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let first = self.binary(level + 1)?;
        let mut rest = Vec::new();
        'outer: loop {
            for (c, op) in LEVELS[level] {
                if self.eat(*c) {
                    rest.push((*op, self.binary(level + 1)?));
                    continue 'outer;
                }
            }
            return Ok(if rest.is_empty() { first } else { Expr::Binary(Box::new(first), rest) });
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let op = if self.eat('~') {
            UnOp::Invert
        } else if self.eat('-') {
            UnOp::Neg
        } else {
            return self.postfix();
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("expression nested more than {MAX_DEPTH} levels deep"));
        }
        let operand = self.unary();
        self.depth -= 1;
        Ok(Expr::Unary(op, Box::new(operand?)))
    }

    fn postfix(&mut self) -> Result<Expr, String> {
        let mut e = self.primary()?;
        for _ in 0..=MAX_CHAIN {
            if self.eat('.') {
                let Tok::Ident(name) = self.peek().clone() else {
                    return Err(format!("expected a name after '.' {}", self.where_()));
                };
                self.advance();
                e = Expr::Attr(Box::new(e), name);
            } else if self.eat('(') {
                e = Expr::Call(Box::new(e), self.arguments()?);
            } else if self.eat('[') {
                e = self.subscript(e)?;
            } else {
                return Ok(e);
            }
        }
        Err(format!("more than {MAX_CHAIN} attributes, calls and subscripts in one chain"))
    }

    fn arguments(&mut self) -> Result<Vec<Arg>, String> {
        let mut args = Vec::new();
        while !self.eat(')') {
            let keyword = match (self.peek().clone(), self.peek_at(1)) {
                (Tok::Ident(name), Tok::Punct('=')) => {
                    self.advance();
                    self.advance();
                    Some(name)
                }
                _ => None,
            };
            args.push(Arg { name: keyword, value: self.expr()? });
            if !self.eat(',') {
                self.expect(')')?;
                break;
            }
        }
        Ok(args)
    }

    fn subscript(&mut self, target: Expr) -> Result<Expr, String> {
        let low = if self.peek() == &Tok::Punct(':') { None } else { Some(Box::new(self.expr()?)) };
        if self.eat(':') {
            let high = if matches!(self.peek(), Tok::Punct(']' | ':')) { None } else { Some(Box::new(self.expr()?)) };
            let step =
                if self.eat(':') && self.peek() != &Tok::Punct(']') { Some(Box::new(self.expr()?)) } else { None };
            self.expect(']')?;
            return Ok(Expr::Slice(Box::new(target), low, high, step));
        }
        self.expect(']')?;
        match low {
            Some(index) => Ok(Expr::Index(Box::new(target), index)),
            None => Err("empty subscript".into()),
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek().clone() {
            Tok::Ident(name) => {
                self.advance();
                Ok(match name.as_str() {
                    "None" => Expr::Lit(Lit::None),
                    "True" => Expr::Lit(Lit::Bool(true)),
                    "False" => Expr::Lit(Lit::Bool(false)),
                    _ => Expr::Name(name),
                })
            }
            Tok::Int(n) => {
                self.advance();
                Ok(Expr::Lit(Lit::Int(n)))
            }
            Tok::Float(f) => {
                self.advance();
                Ok(Expr::Lit(Lit::Float(f)))
            }
            Tok::Str(s) => {
                self.advance();
                Ok(Expr::Lit(Lit::Str(s)))
            }
            Tok::Punct('(') => {
                self.advance();
                let items = self.sequence(')')?;
                match <[Expr; 1]>::try_from(items) {
                    Ok([single]) => Ok(single),
                    Err(items) => Ok(Expr::List(items)),
                }
            }
            Tok::Punct('[') => {
                self.advance();
                Ok(Expr::List(self.sequence(']')?))
            }
            Tok::Punct('{') => {
                self.advance();
                let mut pairs = Vec::new();
                while !self.eat('}') {
                    let key = self.expr()?;
                    self.expect(':')?;
                    pairs.push((key, self.expr()?));
                    if !self.eat(',') {
                        self.expect('}')?;
                        break;
                    }
                }
                Ok(Expr::Dict(pairs))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn sequence(&mut self, close: char) -> Result<Vec<Expr>, String> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expr()?);
            if !self.eat(',') {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_chained_queryset_with_keywords_and_a_slice() {
        let stmts = parse_line(r#"Post.objects.filter(author__name__icontains="ann").order_by("-id")[:5]"#).unwrap();
        let [Stmt::Expr(Expr::Slice(target, None, Some(high), None))] = stmts.as_slice() else { panic!("{stmts:?}") };
        assert_eq!(**high, Expr::Lit(Lit::Int(5)));
        let Expr::Call(callee, args) = &**target else { panic!("{target:?}") };
        assert_eq!(
            **callee,
            Expr::Attr(
                Box::new(Expr::Call(
                    Box::new(Expr::Attr(
                        Box::new(Expr::Attr(Box::new(Expr::Name("Post".into())), "objects".into())),
                        "filter".into()
                    )),
                    vec![Arg {
                        name: Some("author__name__icontains".into()),
                        value: Expr::Lit(Lit::Str("ann".into()))
                    }],
                )),
                "order_by".into()
            )
        );
        assert_eq!(args, &vec![Arg { name: None, value: Expr::Lit(Lit::Str("-id".into())) }]);
    }

    #[test]
    fn operators_bind_as_in_python() {
        let stmts = parse_line("Q(a=1) | Q(b=2) & ~Q(c=3)").unwrap();
        let [Stmt::Expr(Expr::Binary(_, rest))] = stmts.as_slice() else { panic!("{stmts:?}") };
        let [(BinOp::Or, Expr::Binary(_, inner))] = rest.as_slice() else { panic!("{rest:?}") };
        assert!(matches!(inner.as_slice(), [(BinOp::And, Expr::Unary(UnOp::Invert, _))]), "{inner:?}");
        let stmts = parse_line("F('views') + 1 * 2 - 3").unwrap();
        let [Stmt::Expr(Expr::Binary(_, rest))] = stmts.as_slice() else { panic!("{stmts:?}") };
        assert!(
            matches!(rest.as_slice(), [(BinOp::Add, Expr::Binary(..)), (BinOp::Sub, Expr::Lit(Lit::Int(3)))]),
            "{rest:?}"
        );
    }

    #[test]
    fn assignments_and_several_statements() {
        let stmts = parse_line("p = Post.objects.get(pk=1); p.title = 'x'; p.save()").unwrap();
        assert!(matches!(&stmts[0], Stmt::Assign(n, _) if n == "p"));
        assert!(
            matches!(&stmts[1], Stmt::SetAttr(Expr::Name(n), f, Expr::Lit(Lit::Str(v))) if n == "p" && f == "title" && v == "x")
        );
        assert_eq!(stmts.len(), 3);
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_place() {
        assert_eq!(parse_line("Post.objects.filter(").unwrap_err(), "unexpected end of line");
        assert_eq!(parse_line("Post.objects..all()").unwrap_err(), "expected a name after '.' at column 14");
        assert_eq!(parse_line("'abc").unwrap_err(), "unterminated string starting at column 1");
        assert_eq!(
            parse_line("1 = 2").unwrap_err(),
            "can only assign to a name or an attribute (x = ..., obj.field = ...)"
        );
        assert!(parse_line(&"(".repeat(10_000)).unwrap_err().contains("nested more than"));
        assert!(parse_line(&"~".repeat(10_000)).unwrap_err().contains("nested more than"));
        assert!(parse_line(&format!("x{}", ".a".repeat(10_000))).unwrap_err().contains("in one chain"));
        // A wide line is fine: ten thousand terms are one node.
        let wide = vec!["1"; 10_000].join(" + ");
        let parsed = parse_line(&wide).unwrap();
        let [Stmt::Expr(Expr::Binary(_, rest))] = parsed.as_slice() else { panic!() };
        assert_eq!(rest.len(), 9_999);
    }
}
