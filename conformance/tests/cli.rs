//! The `conformance` program as a process: argument errors, finding the checkout at run
//! time, and stopping the simulator with a signal.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const PROGRAM: &str = env!("CARGO_BIN_EXE_conformance");

fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn bad_arguments_get_one_line_quoting_the_value() {
    for (args, line) in [
        (
            &["run", "--cases", "0"][..],
            r#"error: --cases takes a whole number of cases from 1 to 4294967295 (got "0")"#,
        ),
        (
            &["run", "--cases", "abc"][..],
            r#"error: --cases takes a whole number of cases from 1 to 4294967295 (got "abc")"#,
        ),
        (&["simulate", "--port", "99999"][..], r#"error: --port takes a port number from 0 to 65535 (got "99999")"#),
        (
            &["simulate", "--callback-redirect", "https://collector.example.net/h"][..],
            r#"error: --callback-redirect "https://collector.example.net/h": collector.example.net is not a loopback address"#,
        ),
    ] {
        let out = Command::new(PROGRAM).args(args).current_dir(workspace()).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with(line), "{args:?}: {stderr}");
    }
}

#[test]
fn help_exits_zero() {
    let out = Command::new(PROGRAM).arg("--help").output().expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("conformance simulate [--port N]"));
}

/// The checkout is the one the program runs in, not the one it was compiled in.
#[test]
fn run_works_on_the_checkout_of_the_current_directory() {
    let outside = std::env::temp_dir().join(format!("hh-cli-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).expect("temp dir");
    let out = Command::new(PROGRAM).args(["run", "--cases", "1"]).current_dir(&outside).output().expect("runs");
    let _ = std::fs::remove_dir_all(&outside);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run this inside a happyhorse checkout"), "{stderr}");
}

/// SIGINT (Ctrl-C) and SIGTERM stop the simulator with exit code 0 and one line saying so.
#[cfg(unix)]
#[test]
fn the_simulator_stops_quietly_on_sigint_and_sigterm() {
    for signal in ["INT", "TERM"] {
        let mut child = Command::new(PROGRAM)
            .args(["simulate", "--port", "0"])
            .current_dir(workspace())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the simulator starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut first = String::new();
        stderr.read_line(&mut first).expect("a line");
        let modules = happyhorse_codegen::output::load_all(&workspace()).expect("the specs load").len();
        assert!(first.starts_with(&format!("simulator: {modules} module(s) at http://127.0.0.1:")), "{first}");
        // It listens (and has installed its signal handlers) before it prints that line.
        let killed = Command::new("kill").args([format!("-{signal}"), child.id().to_string()]).status();
        assert!(killed.expect("kill runs").success());
        let status = child.wait().expect("it exits");
        let rest: Vec<String> = stderr.lines().map_while(Result::ok).collect();
        assert!(status.success(), "SIG{signal}: {status}; {rest:?}");
        assert_eq!(rest.last().map(String::as_str), Some(format!("simulator: stopped (SIG{signal})").as_str()));
        assert!(!rest.iter().any(|l| l.starts_with("error")), "{rest:?}");
    }
}
