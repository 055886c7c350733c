//! Output: coloured when the terminal takes it.

use std::io::IsTerminal;

use weft::migrate::Change;

pub struct Out {
    color: bool,
}

impl Out {
    pub fn new(no_color: bool) -> Out {
        let color =
            !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        Out { color }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn change(&self, change: &Change) {
        let code = match change.sign() {
            '+' => "32",
            '-' => "31",
            _ => "33",
        };
        println!(
            "  {}",
            self.paint(code, &format!("{} {change}", change.sign()))
        );
    }

    pub fn step(&self, text: &str) {
        println!("{} {text}", self.paint("36", "•"));
    }

    pub fn ok(&self, text: &str) {
        println!("{} {text}", self.paint("32", "✓"));
    }

    pub fn fail(&self, text: &str) {
        println!("{} {text}", self.paint("31", "✗"));
    }

    pub fn error(&self, text: &str) {
        let color = self.color && std::io::stderr().is_terminal();
        let label = if color {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        eprintln!("{label}: {text}");
    }
}
