//! A user-typed objective f(x, y) with exact symbolic derivatives.
//!
//! Grammar (the usual school precedence): `+ -` < `* /` < unary `-` < `^` (right-associative),
//! so `-x^2` is -(x^2) and `2^3^2` is 2^9. Names: the variables `x` and `y`, the constants `pi`
//! and `e`, and the one-argument functions sin cos tan asin acos atan sinh cosh tanh exp ln log
//! (natural) log10 log2 sqrt abs sign sigmoid softplus. `**` is accepted for `^`.
//! The text is parsed once; gradient and Hessian are differentiated symbolically, simplified,
//! and compiled to small stack programs, so evaluation allocates nothing.
//! A syntax error names the column and says what was expected.
//! Critical points are not known in closed form: they are found by Newton's method from a grid
//! of starts over the default view [-3, 3]^2 and classified by the Hessian.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest formula text, in bytes (the tokens are limited too, see the parser).
pub const MAX_TEXT_BYTES: usize = 1000;
/// Most terms the gradient and Hessian may have together (counting the copies made while
/// differentiating): this bounds the time and memory of differentiating and of everything
/// that evaluates the Hessian (the search for critical points runs it thousands of times),
/// whatever the formula. A product of 40 factors fits; a tower of 40 powers does not.
pub const MAX_DERIVATIVE_NODES: usize = 300_000;

/// Parameters of a user expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpressionParams {
    /// The formula in x and y, e.g. `x^2 + 10*y^2`.
    pub text: String,
}

impl Default for ExpressionParams {
    fn default() -> Self {
        Self {
            text: "x^2 + 10*y^2".to_owned(),
        }
    }
}

/// A syntax or name error in a typed formula.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ExpressionError {
    /// 1-based character column where the problem starts.
    pub column: usize,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// A parsed formula with compiled value, gradient and Hessian programs.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    text: String,
    f: Program,
    fx: Program,
    fy: Program,
    fxx: Program,
    fxy: Program,
    fyy: Program,
    formulas: [String; 3],
    /// The critical points, found once (81 Newton searches: the contour view asks every
    /// frame).
    critical: Found,
}

/// A formula's critical points once found; equal whatever it holds (it follows from the
/// formula, which is compared).
#[derive(Clone, Debug, Default)]
struct Found(std::sync::OnceLock<Vec<CriticalPoint>>);

impl PartialEq for Found {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Expression {
    /// Parses `p.text` and differentiates it.
    pub fn new(p: &ExpressionParams) -> Result<Self, ParamError> {
        Self::parse(&p.text).map_err(|e| ParamError::new("text", e.to_string()))
    }

    /// Parses a formula; the error says where and why.
    pub fn parse(text: &str) -> Result<Self, ExpressionError> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(ExpressionError {
                column: 1,
                message: format!(
                    "the formula is too long (at most {MAX_TEXT_BYTES} characters, got {})",
                    text.chars().count()
                ),
            });
        }
        let f = Parser::new(text)?.parse_all()?;
        let mut budget = MAX_DERIVATIVE_NODES;
        let fx = f.derivative(Var::X, &mut budget);
        let fy = f.derivative(Var::Y, &mut budget);
        let fxx = fx.derivative(Var::X, &mut budget);
        let fxy = fx.derivative(Var::Y, &mut budget);
        let fyy = fy.derivative(Var::Y, &mut budget);
        if budget == 0 {
            return Err(ExpressionError {
                column: 1,
                message: format!(
                    "the formula's first and second derivatives are too large (more than \
                     {MAX_DERIVATIVE_NODES} terms together); write it more simply"
                ),
            });
        }
        let formulas = [f.to_string(), fx.to_string(), fy.to_string()];
        let compile = |e: &Expr| {
            Program::compile(e).ok_or_else(|| ExpressionError {
                column: 1,
                message: "the formula (or one of its derivatives) is nested too deeply".into(),
            })
        };
        Ok(Self {
            text: text.to_owned(),
            f: compile(&f)?,
            fx: compile(&fx)?,
            fy: compile(&fy)?,
            fxx: compile(&fxx)?,
            fxy: compile(&fxy)?,
            fyy: compile(&fyy)?,
            formulas,
            critical: Found::default(),
        })
    }

    /// The text as typed.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The simplified formulas of f, df/dx and df/dy.
    #[must_use]
    pub fn formulas(&self) -> &[String; 3] {
        &self.formulas
    }
}

impl Objective for Expression {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        self.f.eval(p.x, p.y)
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        Vec2::new(self.fx.eval(p.x, p.y), self.fy.eval(p.x, p.y))
    }
}

impl Hessian for Expression {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let xy = self.fxy.eval(p.x, p.y);
        Mat2::new(self.fxx.eval(p.x, p.y), xy, xy, self.fyy.eval(p.x, p.y))
    }
}

impl Landmarks for Expression {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 3.0)
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        self.critical
            .0
            .get_or_init(|| self.find_critical_points())
            .clone()
    }

    fn default_start(&self) -> Vec2 {
        Vec2::new(-2.0, 1.5)
    }

    fn formula(&self) -> String {
        format!("f = {}", self.formulas[0])
    }
}

impl Expression {
    /// Newton searches from a 9 x 9 grid over the default view; the distinct points they
    /// converge to inside it (at most 24).
    fn find_critical_points(&self) -> Vec<CriticalPoint> {
        const GRID: i32 = 9;
        const MAX_POINTS: usize = 24;
        let view = self.default_view();
        let mut found: Vec<CriticalPoint> = Vec::new();
        for i in 0..GRID {
            for j in 0..GRID {
                let t = |k: i32| (f64::from(k) + 0.5) / f64::from(GRID);
                let start = Vec2::new(
                    view.x.0 + t(i) * (view.x.1 - view.x.0),
                    view.y.0 + t(j) * (view.y.1 - view.y.0),
                );
                let cp = CriticalPoint::refined(self, start);
                let g = self.gradient(cp.p);
                let converged = cp.p.iter().all(|v| v.is_finite())
                    && cp.value.is_finite()
                    && g.norm() <= 1e-9 * (1.0 + self.hessian(cp.p).norm());
                let new = found.iter().all(|q| (q.p - cp.p).norm() > 1e-6);
                if converged && new && view.contains(cp.p) {
                    found.push(cp);
                }
                if found.len() >= MAX_POINTS {
                    return found;
                }
            }
        }
        found
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree and symbolic differentiation

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    X,
    Y,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Ln,
    Log10,
    Log2,
    Sqrt,
    Abs,
    Sign,
    Sigmoid,
    Softplus,
}

const FUNCS: [(&str, Func); 19] = [
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("asin", Func::Asin),
    ("acos", Func::Acos),
    ("atan", Func::Atan),
    ("sinh", Func::Sinh),
    ("cosh", Func::Cosh),
    ("tanh", Func::Tanh),
    ("exp", Func::Exp),
    ("ln", Func::Ln),
    ("log", Func::Ln),
    ("log10", Func::Log10),
    ("log2", Func::Log2),
    ("sqrt", Func::Sqrt),
    ("abs", Func::Abs),
    ("sign", Func::Sign),
    ("sigmoid", Func::Sigmoid),
    ("softplus", Func::Softplus),
];

impl Func {
    fn name(self) -> &'static str {
        FUNCS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(name, _)| name)
    }

    fn apply(self, u: f64) -> f64 {
        match self {
            Self::Sin => u.sin(),
            Self::Cos => u.cos(),
            Self::Tan => u.tan(),
            Self::Asin => u.asin(),
            Self::Acos => u.acos(),
            Self::Atan => u.atan(),
            Self::Sinh => u.sinh(),
            Self::Cosh => u.cosh(),
            Self::Tanh => u.tanh(),
            Self::Exp => u.exp(),
            Self::Ln => u.ln(),
            Self::Log10 => u.log10(),
            Self::Log2 => u.log2(),
            Self::Sqrt => u.sqrt(),
            Self::Abs => u.abs(),
            Self::Sign => {
                if u > 0.0 {
                    1.0
                } else if u < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
            Self::Sigmoid => {
                // Written so that neither branch overflows.
                if u >= 0.0 {
                    1.0 / (1.0 + (-u).exp())
                } else {
                    let e = u.exp();
                    e / (1.0 + e)
                }
            }
            Self::Softplus => u.max(0.0) + (-u.abs()).exp().ln_1p(),
        }
    }

    /// d func(u) / du as an expression in u.
    fn derivative(self, u: &Expr) -> Expr {
        let call = |f: Self| Expr::Call(f, Box::new(u.clone()));
        let one = Expr::Num(1.0);
        let u2 = || Expr::pow(u.clone(), Expr::Num(2.0));
        match self {
            Self::Sin => call(Self::Cos),
            Self::Cos => Expr::neg(call(Self::Sin)),
            Self::Tan => Expr::add(one, Expr::pow(call(Self::Tan), Expr::Num(2.0))),
            Self::Asin => Expr::div(
                one.clone(),
                Expr::Call(Self::Sqrt, Box::new(Expr::sub(one, u2()))),
            ),
            Self::Acos => Expr::neg(Expr::div(
                one.clone(),
                Expr::Call(Self::Sqrt, Box::new(Expr::sub(one, u2()))),
            )),
            Self::Atan => Expr::div(one.clone(), Expr::add(one, u2())),
            Self::Sinh => call(Self::Cosh),
            Self::Cosh => call(Self::Sinh),
            Self::Tanh => Expr::sub(one, Expr::pow(call(Self::Tanh), Expr::Num(2.0))),
            Self::Exp => call(Self::Exp),
            Self::Ln => Expr::div(one, u.clone()),
            Self::Log10 => Expr::div(
                one,
                Expr::mul(u.clone(), Expr::Num(std::f64::consts::LN_10)),
            ),
            Self::Log2 => Expr::div(one, Expr::mul(u.clone(), Expr::Num(std::f64::consts::LN_2))),
            Self::Sqrt => Expr::div(one, Expr::mul(Expr::Num(2.0), call(Self::Sqrt))),
            Self::Abs => call(Self::Sign),
            Self::Sign => Expr::Num(0.0),
            Self::Sigmoid => Expr::mul(call(Self::Sigmoid), Expr::sub(one, call(Self::Sigmoid))),
            Self::Softplus => call(Self::Sigmoid),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Num(f64),
    Var(Var),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
}

/// Folds a constant only when the result is an ordinary number (keeps 1/0 visible).
fn fold(v: f64) -> Option<Expr> {
    v.is_finite().then_some(Expr::Num(v))
}

impl Expr {
    fn num(&self) -> Option<f64> {
        match self {
            Self::Num(v) => Some(*v),
            _ => None,
        }
    }

    fn is(&self, v: f64) -> bool {
        self.num() == Some(v)
    }

    fn neg(a: Self) -> Self {
        match a {
            Self::Num(v) => Self::Num(-v),
            Self::Neg(inner) => *inner,
            a => Self::Neg(Box::new(a)),
        }
    }

    fn add(a: Self, b: Self) -> Self {
        if let (Some(x), Some(y)) = (a.num(), b.num())
            && let Some(e) = fold(x + y)
        {
            return e;
        }
        if a.is(0.0) {
            return b;
        }
        if b.is(0.0) {
            return a;
        }
        if let Self::Neg(nb) = b {
            return Self::sub(a, *nb);
        }
        Self::Add(Box::new(a), Box::new(b))
    }

    fn sub(a: Self, b: Self) -> Self {
        if let (Some(x), Some(y)) = (a.num(), b.num())
            && let Some(e) = fold(x - y)
        {
            return e;
        }
        if b.is(0.0) {
            return a;
        }
        if a.is(0.0) {
            return Self::neg(b);
        }
        if a == b {
            return Self::Num(0.0);
        }
        if let Self::Neg(nb) = b {
            return Self::add(a, *nb);
        }
        Self::Sub(Box::new(a), Box::new(b))
    }

    fn mul(a: Self, b: Self) -> Self {
        if let (Some(x), Some(y)) = (a.num(), b.num())
            && let Some(e) = fold(x * y)
        {
            return e;
        }
        if a.is(0.0) || b.is(0.0) {
            return Self::Num(0.0);
        }
        if a.is(1.0) {
            return b;
        }
        if b.is(1.0) {
            return a;
        }
        if a.is(-1.0) {
            return Self::neg(b);
        }
        if b.is(-1.0) {
            return Self::neg(a);
        }
        // Constants go in front, and nested constant factors merge: 2*(3*x) = 6*x.
        if b.num().is_some() && a.num().is_none() {
            return Self::mul(b, a);
        }
        if let (Some(x), Self::Mul(l, r)) = (a.num(), &b)
            && let Some(y) = l.num()
            && let Some(e) = fold(x * y)
        {
            return Self::mul(e, (**r).clone());
        }
        match (a, b) {
            (Self::Neg(na), b) => Self::neg(Self::mul(*na, b)),
            (a, Self::Neg(nb)) => Self::neg(Self::mul(a, *nb)),
            (a, b) => Self::Mul(Box::new(a), Box::new(b)),
        }
    }

    fn div(a: Self, b: Self) -> Self {
        if let (Some(x), Some(y)) = (a.num(), b.num())
            && let Some(e) = fold(x / y)
        {
            return e;
        }
        if a.is(0.0) && b.num().is_none_or(|v| v != 0.0) {
            return Self::Num(0.0);
        }
        if b.is(1.0) {
            return a;
        }
        Self::Div(Box::new(a), Box::new(b))
    }

    fn pow(a: Self, b: Self) -> Self {
        if let (Some(x), Some(y)) = (a.num(), b.num())
            && let Some(e) = fold(x.powf(y))
        {
            return e;
        }
        if b.is(0.0) {
            return Self::Num(1.0);
        }
        if b.is(1.0) {
            return a;
        }
        Self::Pow(Box::new(a), Box::new(b))
    }

    fn depends_on(&self, v: Var) -> bool {
        match self {
            Self::Num(_) => false,
            Self::Var(w) => *w == v,
            Self::Neg(a) | Self::Call(_, a) => a.depends_on(v),
            Self::Add(a, b)
            | Self::Sub(a, b)
            | Self::Mul(a, b)
            | Self::Div(a, b)
            | Self::Pow(a, b) => a.depends_on(v) || b.depends_on(v),
        }
    }

    /// d self / dv, simplified. Each node made or copied spends one unit of `budget`; once it
    /// is spent the rest comes back as 0 (the caller reports the formula as too large), so the
    /// work is bounded whatever the formula.
    fn derivative(&self, v: Var, budget: &mut usize) -> Self {
        if *budget == 0 || !self.depends_on(v) {
            return Self::Num(0.0);
        }
        *budget -= 1;
        match self {
            Self::Num(_) => Self::Num(0.0),
            Self::Var(w) => Self::Num(if *w == v { 1.0 } else { 0.0 }),
            Self::Neg(a) => Self::neg(a.derivative(v, budget)),
            Self::Add(a, b) => Self::add(a.derivative(v, budget), b.derivative(v, budget)),
            Self::Sub(a, b) => Self::sub(a.derivative(v, budget), b.derivative(v, budget)),
            Self::Mul(a, b) => Self::add(
                Self::mul(a.derivative(v, budget), b.charged(budget)),
                Self::mul(a.charged(budget), b.derivative(v, budget)),
            ),
            Self::Div(a, b) => {
                if b.depends_on(v) {
                    // (a'b - ab') / b^2
                    Self::div(
                        Self::sub(
                            Self::mul(a.derivative(v, budget), b.charged(budget)),
                            Self::mul(a.charged(budget), b.derivative(v, budget)),
                        ),
                        Self::pow(b.charged(budget), Self::Num(2.0)),
                    )
                } else {
                    Self::div(a.derivative(v, budget), b.charged(budget))
                }
            }
            Self::Pow(a, b) => {
                if b.depends_on(v) {
                    // a^b (b' ln a + b a'/a)
                    let ln_a = Self::Call(Func::Ln, Box::new(a.charged(budget)));
                    let inner = Self::add(
                        Self::mul(b.derivative(v, budget), ln_a),
                        Self::div(
                            Self::mul(b.charged(budget), a.derivative(v, budget)),
                            a.charged(budget),
                        ),
                    );
                    Self::mul(self.charged(budget), inner)
                } else {
                    // b a^(b-1) a'
                    let exponent = Self::sub(b.charged(budget), Self::Num(1.0));
                    Self::mul(
                        Self::mul(b.charged(budget), Self::pow(a.charged(budget), exponent)),
                        a.derivative(v, budget),
                    )
                }
            }
            Self::Call(f, a) => {
                // The function's derivative copies its argument up to three times.
                *budget = budget.saturating_sub(3 * a.size());
                Self::mul(f.derivative(a), a.derivative(v, budget))
            }
        }
    }

    /// Nodes in the tree.
    fn size(&self) -> usize {
        match self {
            Self::Num(_) | Self::Var(_) => 1,
            Self::Neg(a) | Self::Call(_, a) => 1 + a.size(),
            Self::Add(a, b)
            | Self::Sub(a, b)
            | Self::Mul(a, b)
            | Self::Div(a, b)
            | Self::Pow(a, b) => 1 + a.size() + b.size(),
        }
    }

    /// A copy, paid for from `budget` (nothing is copied once it is spent).
    fn charged(&self, budget: &mut usize) -> Self {
        if *budget == 0 {
            return Self::Num(0.0);
        }
        *budget = budget.saturating_sub(self.size());
        self.clone()
    }

    /// Binding strength for printing: higher binds tighter.
    fn precedence(&self) -> u8 {
        match self {
            Self::Add(..) | Self::Sub(..) => 1,
            Self::Mul(..) | Self::Div(..) => 2,
            Self::Num(v) if *v < 0.0 => 3,
            Self::Neg(..) => 3,
            Self::Pow(..) => 4,
            Self::Num(_) | Self::Var(_) | Self::Call(..) => 5,
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let child = |f: &mut fmt::Formatter<'_>, e: &Self, min: u8| {
            if e.precedence() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            Self::Num(v) => write!(f, "{v}"),
            Self::Var(Var::X) => write!(f, "x"),
            Self::Var(Var::Y) => write!(f, "y"),
            Self::Neg(a) => {
                write!(f, "-")?;
                child(f, a, 3)
            }
            Self::Add(a, b) => {
                child(f, a, 1)?;
                write!(f, " + ")?;
                child(f, b, 2)
            }
            Self::Sub(a, b) => {
                child(f, a, 1)?;
                write!(f, " - ")?;
                child(f, b, 2)
            }
            Self::Mul(a, b) => {
                child(f, a, 2)?;
                write!(f, "*")?;
                child(f, b, 3)
            }
            Self::Div(a, b) => {
                child(f, a, 2)?;
                write!(f, "/")?;
                child(f, b, 4)
            }
            Self::Pow(a, b) => {
                child(f, a, 5)?;
                write!(f, "^")?;
                child(f, b, 3)
            }
            Self::Call(func, a) => write!(f, "{}({a})", func.name()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens and parser

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Num(f64),
    Name(&'a str),
    Op(char),
    Open,
    Close,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    /// Byte offset in the text.
    at: usize,
    /// The token's text, for messages.
    src: &'a str,
}

/// Nesting limit: keeps recursion (and the stack) bounded for any input.
const MAX_DEPTH: usize = 64;
/// Length limit in tokens: bounds recursion along long chains and the size of the symbolic
/// second derivatives (a product of n factors has a Hessian of order n^3 terms).
const MAX_TOKENS: usize = 256;

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Result<Self, ExpressionError> {
        let mut tokens = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let c = bytes[i];
            let start = i;
            let tok = if c.is_ascii_whitespace() {
                i += 1;
                continue;
            } else if c.is_ascii_digit()
                || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                    let mut j = i + 1;
                    if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                        j += 1;
                    }
                    if j < bytes.len() && bytes[j].is_ascii_digit() {
                        i = j;
                        while i < bytes.len() && bytes[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                let s = &text[start..i];
                let v: f64 = s.parse().map_err(|_| ExpressionError {
                    column: column(text, start),
                    message: format!("'{s}' is not a number"),
                })?;
                Tok::Num(v)
            } else if c.is_ascii_alphabetic() || c == b'_' {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Name(&text[start..i])
            } else if c == b'*' && bytes.get(i + 1) == Some(&b'*') {
                i += 2;
                Tok::Op('^')
            } else if matches!(c, b'+' | b'-' | b'*' | b'/' | b'^') {
                i += 1;
                Tok::Op(char::from(c))
            } else if c == b'(' {
                i += 1;
                Tok::Open
            } else if c == b')' {
                i += 1;
                Tok::Close
            } else {
                let ch = text[start..].chars().next().unwrap_or('?');
                let hint = if ch == ',' {
                    ": functions take one argument"
                } else {
                    ""
                };
                return Err(ExpressionError {
                    column: column(text, start),
                    message: format!("unexpected character '{ch}'{hint}"),
                });
            };
            tokens.push(Token {
                tok,
                at: start,
                src: &text[start..i],
            });
        }
        if tokens.len() > MAX_TOKENS {
            return Err(ExpressionError {
                column: column(text, tokens[MAX_TOKENS].at),
                message: format!("the formula is too long (at most {MAX_TOKENS} symbols)"),
            });
        }
        tokens.push(Token {
            tok: Tok::End,
            at: text.len(),
            src: "",
        });
        Ok(Self {
            text,
            tokens,
            pos: 0,
            depth: 0,
        })
    }

    fn peek(&self) -> Token<'a> {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token<'a> {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ExpressionError {
        ExpressionError {
            column: column(self.text, at),
            message: message.into(),
        }
    }

    fn parse_all(mut self) -> Result<Expr, ExpressionError> {
        if self.peek().tok == Tok::End {
            return Err(self.error(0, "the formula is empty: type something like x^2 + 10*y^2"));
        }
        let e = self.sum()?;
        let t = self.peek();
        match t.tok {
            Tok::End => Ok(e),
            Tok::Close => Err(self.error(t.at, "')' has no matching '('")),
            _ => Err(self.error(
                t.at,
                format!(
                    "missing operator before '{}' (write * for a product, e.g. 2*x)",
                    t.src
                ),
            )),
        }
    }

    fn sum(&mut self) -> Result<Expr, ExpressionError> {
        let mut e = self.product()?;
        while let Tok::Op(op @ ('+' | '-')) = self.peek().tok {
            self.bump();
            let rhs = self.product()?;
            e = if op == '+' {
                Expr::Add(Box::new(e), Box::new(rhs))
            } else {
                Expr::Sub(Box::new(e), Box::new(rhs))
            };
        }
        Ok(e)
    }

    fn product(&mut self) -> Result<Expr, ExpressionError> {
        let mut e = self.unary()?;
        while let Tok::Op(op @ ('*' | '/')) = self.peek().tok {
            self.bump();
            let rhs = self.unary()?;
            e = if op == '*' {
                Expr::Mul(Box::new(e), Box::new(rhs))
            } else {
                Expr::Div(Box::new(e), Box::new(rhs))
            };
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, ExpressionError> {
        match self.peek().tok {
            Tok::Op('-') => {
                self.bump();
                let inner = self.nested(Self::unary)?;
                Ok(Expr::Neg(Box::new(inner)))
            }
            Tok::Op('+') => {
                self.bump();
                self.nested(Self::unary)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ExpressionError> {
        let base = self.atom()?;
        if self.peek().tok == Tok::Op('^') {
            self.bump();
            let exponent = self.nested(Self::unary)?;
            return Ok(Expr::Pow(Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn nested(
        &mut self,
        rule: fn(&mut Self) -> Result<Expr, ExpressionError>,
    ) -> Result<Expr, ExpressionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.peek().at;
            return Err(self.error(at, "the formula is nested too deeply"));
        }
        let result = rule(self);
        self.depth -= 1;
        result
    }

    fn atom(&mut self) -> Result<Expr, ExpressionError> {
        let t = self.bump();
        match t.tok {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::Name("x") => Ok(Expr::Var(Var::X)),
            Tok::Name("y") => Ok(Expr::Var(Var::Y)),
            Tok::Name("pi" | "PI" | "π") => Ok(Expr::Num(std::f64::consts::PI)),
            Tok::Name("e") => Ok(Expr::Num(std::f64::consts::E)),
            Tok::Name(name) => {
                let Some(&(_, func)) = FUNCS.iter().find(|(n, _)| *n == name) else {
                    return Err(self.error(
                        t.at,
                        format!(
                            "unknown name '{name}': use x and y, the constants pi and e, or a function ({})",
                            function_list()
                        ),
                    ));
                };
                if self.peek().tok != Tok::Open {
                    return Err(self.error(
                        self.peek().at,
                        format!("'{name}' needs its argument in parentheses, e.g. {name}(x)"),
                    ));
                }
                let open = self.bump();
                let arg = self.nested(Self::sum)?;
                self.close(open)?;
                Ok(Expr::Call(func, Box::new(arg)))
            }
            Tok::Open => {
                let inner = self.nested(Self::sum)?;
                self.close(t)?;
                Ok(inner)
            }
            Tok::End => Err(self.error(t.at, "the formula ends where a value was expected")),
            Tok::Close => Err(self.error(t.at, "a value is missing before ')'")),
            Tok::Op(op) => Err(self.error(t.at, format!("a value is missing before '{op}'"))),
        }
    }

    fn close(&mut self, open: Token<'a>) -> Result<(), ExpressionError> {
        let t = self.peek();
        match t.tok {
            Tok::Close => {
                self.bump();
                Ok(())
            }
            Tok::End => Err(self.error(open.at, "this '(' is never closed")),
            _ => Err(self.error(
                t.at,
                format!("expected ')' or an operator before '{}'", t.src),
            )),
        }
    }
}

fn function_list() -> String {
    FUNCS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// 1-based character column of a byte offset.
fn column(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(byte, |s| s.chars().count()) + 1
}

// ---------------------------------------------------------------------------------------------
// Compiled stack programs

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Num(f64),
    X,
    Y,
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Powi(i32),
    /// The operands were pushed right-first (to keep the stack shallow): b op a.
    RevSub,
    RevDiv,
    RevPow,
    Call(Func),
}

/// Stack slots available at evaluation time; compile rejects deeper programs.
const STACK: usize = 32;

#[derive(Clone, Debug, PartialEq)]
struct Program {
    ops: Vec<Op>,
}

impl Program {
    fn compile(e: &Expr) -> Option<Self> {
        let mut ops = Vec::new();
        let depth = emit(e, &mut ops);
        (depth <= STACK).then_some(Self { ops })
    }

    #[inline]
    fn eval(&self, x: f64, y: f64) -> f64 {
        let mut stack = [0.0_f64; STACK];
        let mut top = 0usize;
        for op in &self.ops {
            match *op {
                Op::Num(v) => {
                    stack[top] = v;
                    top += 1;
                }
                Op::X => {
                    stack[top] = x;
                    top += 1;
                }
                Op::Y => {
                    stack[top] = y;
                    top += 1;
                }
                Op::Neg => stack[top - 1] = -stack[top - 1],
                Op::Powi(n) => stack[top - 1] = stack[top - 1].powi(n),
                Op::Call(f) => stack[top - 1] = f.apply(stack[top - 1]),
                binary => {
                    top -= 1;
                    let b = stack[top];
                    let a = stack[top - 1];
                    stack[top - 1] = match binary {
                        Op::Add => a + b,
                        Op::Sub => a - b,
                        Op::Mul => a * b,
                        Op::Div => a / b,
                        Op::Pow => a.powf(b),
                        Op::RevSub => b - a,
                        Op::RevDiv => b / a,
                        Op::RevPow => b.powf(a),
                        _ => f64::NAN,
                    };
                }
            }
        }
        stack[0]
    }
}

/// Appends postfix code for `e` and returns the stack depth it needs. The deeper operand goes
/// first (Sethi-Ullman), so depth grows with the log of the size, not the size.
fn emit(e: &Expr, ops: &mut Vec<Op>) -> usize {
    let binary = |a: &Expr, b: &Expr, op: Op, rev: Op, ops: &mut Vec<Op>| {
        let (da, db) = (need(a), need(b));
        if db > da {
            emit(b, ops);
            emit(a, ops);
            ops.push(rev);
        } else {
            emit(a, ops);
            emit(b, ops);
            ops.push(op);
        }
        da.max(db).max(da.min(db) + 1)
    };
    match e {
        Expr::Num(v) => {
            ops.push(Op::Num(*v));
            1
        }
        Expr::Var(Var::X) => {
            ops.push(Op::X);
            1
        }
        Expr::Var(Var::Y) => {
            ops.push(Op::Y);
            1
        }
        Expr::Neg(a) => {
            let d = emit(a, ops);
            ops.push(Op::Neg);
            d
        }
        Expr::Call(f, a) => {
            let d = emit(a, ops);
            ops.push(Op::Call(*f));
            d
        }
        Expr::Pow(a, b) => match b.num() {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "checked to be a small integer"
            )]
            Some(n) if n.fract() == 0.0 && n.abs() <= 64.0 => {
                let d = emit(a, ops);
                ops.push(Op::Powi(n as i32));
                d
            }
            _ => binary(a, b, Op::Pow, Op::RevPow, ops),
        },
        Expr::Add(a, b) => binary(a, b, Op::Add, Op::Add, ops),
        Expr::Sub(a, b) => binary(a, b, Op::Sub, Op::RevSub, ops),
        Expr::Mul(a, b) => binary(a, b, Op::Mul, Op::Mul, ops),
        Expr::Div(a, b) => binary(a, b, Op::Div, Op::RevDiv, ops),
    }
}

/// Stack depth `emit` will need for `e`.
fn need(e: &Expr) -> usize {
    match e {
        Expr::Num(_) | Expr::Var(_) => 1,
        Expr::Neg(a) | Expr::Call(_, a) => need(a),
        Expr::Pow(a, b) if b.num().is_some_and(|n| n.fract() == 0.0 && n.abs() <= 64.0) => need(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            let (da, db) = (need(a), need(b));
            da.max(db).max(da.min(db) + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    fn f(text: &str) -> Expression {
        Expression::parse(text).unwrap()
    }

    fn err(text: &str) -> ExpressionError {
        Expression::parse(text).unwrap_err()
    }

    #[test]
    fn school_precedence() {
        let p = Vec2::new(3.0, 0.5);
        assert_eq!(f("-x^2").value(p), -9.0);
        assert_eq!(f("2^3^2").value(p), 512.0);
        assert_eq!(f("2^-1").value(p), 0.5);
        assert_eq!(f("4/2/2").value(p), 1.0);
        assert_eq!(f("x - y - 1").value(p), 1.5);
        assert_eq!(f("2*-x").value(p), -6.0);
        assert_eq!(f("x**2").value(p), 9.0);
        assert!((f("exp(-x^2 - y^2)").value(p) - (-9.25f64).exp()).abs() < 1e-18);
        assert!((f("pi*e").value(p) - std::f64::consts::PI * std::f64::consts::E).abs() < 1e-15);
        assert_eq!(f("1.5e2 + .5").value(p), 150.5);
    }

    #[test]
    fn gradient_and_hessian_are_exact() {
        let g = f("x^2 + 10*y^2");
        assert_eq!(g.gradient(Vec2::new(3.0, 0.5)), Vec2::new(6.0, 10.0));
        assert_eq!(
            g.hessian(Vec2::new(3.0, 0.5)),
            Mat2::new(2.0, 0.0, 0.0, 20.0)
        );
        assert_eq!(g.formulas()[1], "2*x");
        assert_eq!(g.formulas()[2], "20*y");
        let s = f("sin(x)*cos(y)");
        let p = Vec2::new(0.3, -1.1);
        let expected = Vec2::new(
            0.3f64.cos() * (-1.1f64).cos(),
            -(0.3f64.sin()) * (-1.1f64).sin(),
        );
        assert!((s.gradient(p) - expected).norm() < 1e-15);
    }

    #[test]
    fn errors_say_where_and_why() {
        assert_eq!(err("x^2 +").column, 6);
        assert!(err("x^2 +").message.contains("ends"));
        let e = err("x + z");
        assert_eq!(e.column, 5);
        assert!(e.message.contains("unknown name 'z'"), "{e}");
        let e = err("sin(x");
        assert_eq!(e.column, 4);
        assert!(e.message.contains("never closed"));
        let e = err("2x");
        assert_eq!(e.column, 2);
        assert!(e.message.contains("missing operator"));
        assert!(err("sin x").message.contains("parentheses"));
        assert!(err("x)").message.contains("no matching"));
        assert!(err("").message.contains("empty"));
        assert!(err("x $ y").message.contains("unexpected character '$'"));
        assert!(
            err("atan2(y, x)")
                .message
                .contains("functions take one argument")
        );
        assert_eq!(err("é + x").column, 1);
        assert_eq!(err("x + é").column, 5);
        assert!(err("*x").message.contains("missing"));
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        let deep = format!("{}x{}", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).message.contains("deeply"));
        let minus = format!("{}x", "-".repeat(10_000));
        assert!(Expression::parse(&minus).is_err());
        let long = vec!["x"; 5000].join("+");
        assert!(err(&long).message.contains("too long"));
        let longest_product = vec!["(x+y)"; 40].join("*");
        let p = f(&longest_product);
        assert!((p.hessian(Vec2::new(0.5, 0.5))[(0, 1)] - 40.0 * 39.0).abs() < 1e-9);
    }

    #[test]
    fn finds_critical_points() {
        let g = f("(x-1)^2 + 2*(y+0.5)^2");
        let cps = g.critical_points();
        assert_eq!(cps.len(), 1);
        assert!((cps[0].p - Vec2::new(1.0, -0.5)).norm() < 1e-12);
        assert_eq!(cps[0].kind, PointKind::Minimum);
        assert_minima(&g);
        let s = f("x^2 - y^2");
        assert_eq!(s.critical_points()[0].kind, PointKind::Saddle);
        // Found once and kept (the contour view asks every frame): the same points again,
        // and a formula that has found them equals one that has not.
        assert_eq!(g.critical_points(), cps);
        assert_eq!(g.clone().critical_points(), cps);
        assert_eq!(g, f("(x-1)^2 + 2*(y+0.5)^2"));
    }

    #[test]
    fn printing_round_trips() {
        for text in [
            "-x^2",
            "(x - y)^2",
            "x/(y + 1)",
            "2^-x",
            "(-x)^2",
            "x - (y - 1)",
            "exp(-x^2)/(1 + y^2)",
        ] {
            let e = f(text);
            let again = f(&e.formulas()[0]);
            for p in [Vec2::new(0.3, 0.7), Vec2::new(-1.2, 2.5)] {
                assert_eq!(
                    e.value(p),
                    again.value(p),
                    "{text} printed as {}",
                    e.formulas()[0]
                );
            }
        }
    }

    proptest! {
        #[test]
        fn derivatives_of_a_rich_formula(x in -2.5..2.5f64, y in -2.5..2.5f64) {
            let g = f("sin(x*y) + exp(-x^2/4)*cos(y) + x^3/10 - atan(y)*tanh(x) + sqrt(1 + x^2 + y^2) + log(2 + sin(x)) + sigmoid(x - y) + softplus(y) + (1 + y^2)^(x/3)");
            assert_derivatives(&g, Vec2::new(x, y));
        }

        #[test]
        fn any_text_parses_or_errors(s in "[xy0-9+*/^() .a-z-]{0,40}") {
            if let Ok(e) = Expression::parse(&s) {
                let _ = e.value(Vec2::new(0.5, -0.25));
                let _ = e.hessian(Vec2::new(0.5, -0.25));
            }
        }
    }
}
