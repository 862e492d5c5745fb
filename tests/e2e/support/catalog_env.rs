//! Helpers for the `catalog` tests: runs with a cache directory of the
//! test's own, and a loopback server for the service reference.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

/// Runs `trailgrant` with `args`, its cache directory set to `cache` and
/// every variable that could reach a real service or another catalog
/// cleared.
pub fn trailgrant(args: &[&str], cache: &Path) -> Output {
    trailgrant_env(args, cache, &[])
}

/// Like [`trailgrant`], with extra environment variables.
pub fn trailgrant_env(args: &[&str], cache: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgrant"));
    command
        .args(args)
        .env("TRAILGRANT_CACHE_DIR", cache)
        .env_remove("TRAILGRANT_CATALOG")
        .env_remove("TRAILGRANT_SERVICE_REFERENCE_URL")
        .env_remove("TRAILGRANT_LOG")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the trailgrant binary runs")
}

/// Returns stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Returns stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A loopback HTTP server that returns fixed bodies for fixed paths and
/// stops when dropped.
pub struct StaticServer {
    server: Arc<tiny_http::Server>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl StaticServer {
    /// Serves each `(path, body)` that `routes` returns for the server's
    /// base URL with status 200, and anything else with 404.
    pub fn start(routes: impl FnOnce(&str) -> Vec<(String, String)>) -> StaticServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("loopback port"));
        let base = format!(
            "http://{}",
            server.server_addr().to_ip().expect("ip address")
        );
        let routes = routes(&base);
        let handler = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in handler.incoming_requests() {
                let body = routes.iter().find(|(path, _)| path == request.url());
                let response = match body {
                    Some((_, body)) => tiny_http::Response::from_string(body.clone()),
                    None => tiny_http::Response::from_string("missing").with_status_code(404),
                };
                let _ = request.respond(response);
            }
        });
        StaticServer { server, base }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}
