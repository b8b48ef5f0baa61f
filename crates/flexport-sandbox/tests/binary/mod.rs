//! The sandbox binary as a child process, for the tests that need a real
//! process: to kill it, to limit its file size, or to read its flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The sandbox process, killed (SIGKILL) when dropped, also when an
/// assertion fails.
pub struct Running(Child);

impl Running {
    /// Kills the process at once and waits for it, as a crash would end it.
    #[allow(dead_code)]
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The binary itself, to be given its arguments.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flexport-sandbox"))
}

/// Spawns `command` (which runs the binary, possibly through a shell) and
/// returns it with the base URL of its first line, `listening on URL`. The
/// rest of its output is read and dropped, so it never writes to a closed
/// pipe.
pub fn start(mut command: Command) -> (Running, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Running(child), url)
}
