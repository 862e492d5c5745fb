//! A loopback CloudTrail Lake endpoint: `StartQuery`, `DescribeQuery` and
//! `GetQueryResults` in the API's JSON 1.1 protocol
//! (`X-Amz-Target: CloudTrail_20131101.StartQuery`; any prefix before the
//! last dot is accepted). Every query returns the same canned rows, in pages
//! of a fixed size with a `NextToken`; `DescribeQuery` reports `RUNNING`
//! once before `FINISHED`, so clients must poll. The server keeps each
//! statement and counts the calls.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

/// What the server saw.
#[derive(Debug, Default)]
struct State {
    statements: Vec<String>,
    describes: usize,
    result_pages: usize,
}

/// A running server; stopped on drop.
pub struct LakeServer {
    server: Arc<Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl LakeServer {
    /// Starts a server that answers every query with `rows`, `page_size`
    /// rows a page.
    pub fn start(rows: Vec<Value>, page_size: usize) -> LakeServer {
        let server = Arc::new(Server::http("127.0.0.1:0").unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let (serving, shared) = (Arc::clone(&server), Arc::clone(&state));
        let thread = std::thread::spawn(move || {
            for mut request in serving.incoming_requests() {
                let target = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("X-Amz-Target"))
                    .map(|h| h.value.as_str().to_owned())
                    .unwrap_or_default();
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let input: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let operation = target.rsplit('.').next().unwrap_or_default();
                let (status, output) = answer(operation, &input, &rows, page_size, &shared);
                let header =
                    Header::from_bytes("Content-Type", "application/x-amz-json-1.1").unwrap();
                let response = Response::from_string(output.to_string())
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
        });
        LakeServer {
            server,
            state,
            thread: Some(thread),
        }
    }

    /// Returns the endpoint URL to give the SDK.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.server_addr().to_ip().unwrap())
    }

    /// Returns the statements of every `StartQuery`.
    pub fn statements(&self) -> Vec<String> {
        self.state.lock().unwrap().statements.clone()
    }

    /// Returns the number of `DescribeQuery` calls.
    pub fn describes(&self) -> usize {
        self.state.lock().unwrap().describes
    }

    /// Returns the number of `GetQueryResults` calls.
    pub fn result_pages(&self) -> usize {
        self.state.lock().unwrap().result_pages
    }
}

impl Drop for LakeServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(
    operation: &str,
    input: &Value,
    rows: &[Value],
    page_size: usize,
    state: &Mutex<State>,
) -> (u16, Value) {
    let mut state = state.lock().unwrap();
    match operation {
        "StartQuery" => {
            let statement = input["QueryStatement"].as_str().unwrap_or_default();
            state.statements.push(statement.to_owned());
            (
                200,
                json!({"QueryId": format!("q-{}", state.statements.len())}),
            )
        }
        "DescribeQuery" => {
            state.describes += 1;
            let status = if state.describes == 1 {
                "RUNNING"
            } else {
                "FINISHED"
            };
            let output = json!({
                "QueryId": input["QueryId"],
                "QueryStatus": status,
                "QueryStatistics": {"EventsMatched": rows.len(), "EventsScanned": 5000,
                    "BytesScanned": 123456, "ExecutionTimeInMillis": 900}
            });
            (200, output)
        }
        "GetQueryResults" => {
            state.result_pages += 1;
            let from: usize = input["NextToken"]
                .as_str()
                .map_or(0, |token| token.parse().unwrap());
            let to = (from + page_size).min(rows.len());
            let mut output = json!({
                "QueryStatus": "FINISHED",
                "QueryStatistics": {"ResultsCount": to - from, "TotalResultsCount": rows.len(),
                    "BytesScanned": 123456},
                "QueryResultRows": rows.get(from..to).unwrap_or_default(),
            });
            if to < rows.len() {
                output["NextToken"] = json!(to.to_string());
            }
            (200, output)
        }
        other => (
            400,
            json!({"__type": "UnknownOperationException", "message": format!("unknown `{other}`")}),
        ),
    }
}
