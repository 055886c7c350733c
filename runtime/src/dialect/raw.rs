//! Hand-written SQL inside a statement ([`Node::Fragment`]): its text split at its `?`
//! placeholders, each placeholder rendered as the bound value it stands for, numbered with the
//! rest of the statement (`$3` on PostgreSQL when two binds came before it).
//!
//! One spelling for every dialect: `?` is a placeholder; `??` is a literal `?` (PostgreSQL's
//! JSON operators `?`, `?|`, `?&`); a `?` inside a quoted string (`'…'`), a quoted identifier
//! (`"…"`, `` `…` ``) or a comment (`-- …`, `/* … */`) is text. Quotes inside quotes are
//! doubled (`'it''s'`): backslash escapes and PostgreSQL's dollar quoting are not recognised.

use std::borrow::Cow;

use super::writer::Renderer;
use crate::expr::Node;

/// The start of the reason of a bind that refuses a statement for its hand-written SQL: the
/// driver reports it as [`Error::RawSql`](crate::Error::RawSql), before anything is sent.
pub(crate) const RAW_MARK: &str = "weft: raw SQL: ";

/// A text split at its placeholders.
pub(crate) struct Pieces<'t> {
    /// The text between placeholders (one more piece than placeholders), `??` made `?`.
    pub(crate) text: Vec<Cow<'t, str>>,
    /// Whether the text has a literal `?` (written `??`).
    pub(crate) literal_mark: bool,
}

impl Pieces<'_> {
    /// How many placeholders the text has.
    pub(crate) fn placeholders(&self) -> usize {
        self.text.len() - 1
    }
}

/// Splits `text` at its `?` placeholders (see the module docs for what is not one).
pub(crate) fn split(text: &str) -> Pieces<'_> {
    let bytes = text.as_bytes();
    let mut pieces: Vec<Cow<'_, str>> = Vec::new();
    let mut current = String::new();
    let mut literal_mark = false;
    let (mut start, mut i) = (0, 0);
    // Everything from `start` up to `i` is text not yet copied into `current`.
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, quote),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
            }
            b'?' if bytes.get(i + 1) == Some(&b'?') => {
                current.push_str(&text[start..=i]);
                literal_mark = true;
                i += 2;
                start = i;
            }
            b'?' => {
                current.push_str(&text[start..i]);
                pieces.push(Cow::Owned(std::mem::take(&mut current)));
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if current.is_empty() {
        pieces.push(Cow::Borrowed(&text[start..]));
    } else {
        current.push_str(&text[start..]);
        pieces.push(Cow::Owned(current));
    }
    Pieces {
        text: pieces,
        literal_mark,
    }
}

/// The position just past the quoted run opening at `open` (a doubled quote stays inside).
fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Why `pieces` cannot be sent with `binds` values to a dialect whose placeholder is `?`
/// (`question_mark`), if it cannot.
pub(crate) fn refusal(pieces: &Pieces<'_>, binds: usize, question_mark: bool) -> Option<String> {
    let holes = pieces.placeholders();
    if holes != binds {
        return Some(format!(
            "the text has {holes} `?` placeholder{} but {binds} value{} {} bound",
            if holes == 1 { "" } else { "s" },
            if binds == 1 { "" } else { "s" },
            if binds == 1 { "is" } else { "are" },
        ));
    }
    if pieces.literal_mark && question_mark {
        return Some(
            "`??` (a literal `?`) cannot be sent where `?` is the placeholder (SQLite and the \
             MySQL family): write the operator another way (e.g. a function)"
                .to_owned(),
        );
    }
    None
}

impl Renderer {
    /// Whether this dialect's placeholder is `?` (a literal `?` would be taken for one).
    fn question_mark(&self) -> bool {
        let mut first = String::new();
        self.dialect.push_placeholder(&mut first, 1);
        first == "?"
    }

    /// Renders hand-written `text`, each placeholder as the argument it stands for; refuses
    /// the statement (before it is sent) when they do not match.
    pub(crate) fn fragment(&mut self, text: &str, args: &[Node]) {
        let pieces = split(text);
        if let Some(reason) = refusal(&pieces, args.len(), self.question_mark()) {
            self.binds.push(crate::value::Value::Unencodable(format!(
                "{RAW_MARK}{reason}"
            )));
        }
        let mut args = args.iter();
        for (i, piece) in pieces.text.iter().enumerate() {
            if i > 0
                && let Some(arg) = args.next()
            {
                self.node(arg);
            }
            self.push(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Vec<String>, bool) {
        let p = split(text);
        (
            p.text.iter().map(|s| s.to_string()).collect(),
            p.literal_mark,
        )
    }

    #[test]
    fn splits_at_placeholders_only() {
        assert_eq!(parts("a = ? AND b = ?").0, ["a = ", " AND b = ", ""]);
        assert_eq!(
            parts("x = '?' AND \"?\" = ? -- ?\n").0,
            ["x = '?' AND \"?\" = ", " -- ?\n"]
        );
        assert_eq!(parts("/* ? */ ?").0, ["/* ? */ ", ""]);
        assert_eq!(parts("'it''s ?' || ?").0, ["'it''s ?' || ", ""]);
        assert_eq!(parts("`a?` = ?").0, ["`a?` = ", ""]);
        assert_eq!(
            parts("data ?? 'k' AND ?"),
            (vec!["data ? 'k' AND ".into(), "".into()], true)
        );
        assert_eq!(parts("no placeholders").0, ["no placeholders"]);
        assert_eq!(parts("unterminated '?").0, ["unterminated '?"]);
    }

    #[test]
    fn refuses_mismatches() {
        assert!(
            refusal(&split("? + ?"), 1, false)
                .is_some_and(|r| r.contains("2 `?` placeholders but 1 value is bound"))
        );
        assert!(refusal(&split("? + ?"), 2, true).is_none());
        assert!(refusal(&split("a ?? 'k'"), 0, true).is_some());
        assert!(refusal(&split("a ?? 'k'"), 0, false).is_none());
    }
}
