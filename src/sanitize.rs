//! Neutralizes text from events before it reaches a terminal or Markdown.
//!
//! Event fields are set by callers (S3 keys, session names, user agents), so
//! they may carry ANSI escape sequences, carriage returns or bidirectional
//! overrides that rewrite what a terminal shows. Text and Markdown output
//! pass every event-derived string through [`terminal_safe`]; JSON output
//! stays exact because its escaping already makes it inert.

use std::borrow::Cow;

/// Returns `text` with control characters, DEL, C1 controls and
/// bidirectional formatting characters replaced by `\u{…}` escapes.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_unsafe(ch) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(ch)));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes text for a Markdown table cell or inline text: neutralizes
/// control characters and the characters Markdown would interpret,
/// including GitHub's `$` math delimiters, `~` strikethrough and `&`
/// entity references.
pub fn markdown_safe(text: &str) -> String {
    let safe = terminal_safe(text);
    let mut out = String::with_capacity(safe.len());
    for ch in safe.chars() {
        match ch {
            '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '\\' | '$' | '~' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_neutralized() {
        assert_eq!(terminal_safe("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal_safe("line\rover"), "line\\u{d}over");
        assert_eq!(terminal_safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal_safe("plain/key.txt"), "plain/key.txt");
    }

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(markdown_safe("a|b`c"), "a\\|b\\`c");
        assert_eq!(markdown_safe("${$}x&amp;~y"), "\\${\\$}x\\&amp;\\~y");
    }
}
