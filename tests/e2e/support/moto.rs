//! A moto server on 127.0.0.1 serving IAM and STS, started per test and
//! stopped on drop.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tools_required;

/// A running `moto_server`.
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts moto on a free loopback port and waits until it accepts
    /// connections. Without moto it panics when the tools are required,
    /// and otherwise prints why the test is skipped and returns `None`.
    pub fn start() -> Option<MotoServer> {
        let Some(program) = moto_program() else {
            let reason = "moto_server not found; run `source scripts/test-setup` first";
            assert!(!tools_required(), "{reason}");
            eprintln!("skipped: {reason}");
            return None;
        };
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("failed to start {}: {error}", program.display()));
        let mut server = MotoServer { child, port };
        server.wait_until_ready();
        Some(server)
    }

    /// Returns the endpoint URL to give the SDK.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("moto_server exited before accepting connections: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_program() -> Option<PathBuf> {
    let from_env = std::env::var_os("TRAILGRANT_MOTO_SERVER").map(PathBuf::from);
    let in_venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    from_env
        .into_iter()
        .chain([in_venv])
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}
