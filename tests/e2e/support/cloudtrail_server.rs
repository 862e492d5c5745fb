//! A loopback CloudTrail endpoint for LookupEvents.
//!
//! It speaks the API's JSON 1.1 protocol as the AWS SDK for Rust sends it
//! (`X-Amz-Target: CloudTrail_20131101.LookupEvents`; any prefix before the
//! last dot is accepted), routes each request to a region by the SigV4
//! credential scope in its `Authorization` header, filters the stored
//! records by the one lookup attribute and the time range as CloudTrail
//! does, returns them newest first in pages of at most 50 with a
//! `NextToken`, and enforces 2 requests per second per region with a token
//! bucket that answers `ThrottlingException`. It logs every request and can
//! inject faults: 500s, connection resets, hanging responses, expired
//! tokens, access denied and throttling.
//!
//! It is a plain HTTP/1.1 server on a thread per connection, because
//! resetting a connection (SO_LINGER 0) and never answering need control of
//! the socket that test HTTP libraries do not give.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// LookupEvents' limit per account and region.
pub const DEFAULT_RATE: f64 = 2.0;

/// The maximum number of events in one LookupEvents page.
const MAX_RESULTS: usize = 50;

/// A fault the server returns instead of serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 `InternalFailure`.
    ServerError,
    /// The connection is reset (RST) without a response.
    ConnectionReset,
    /// No answer until the server shuts down.
    Hang,
    /// HTTP 400 `ExpiredTokenException`.
    ExpiredToken,
    /// HTTP 400 `AccessDeniedException` for `cloudtrail:LookupEvents`.
    AccessDenied,
    /// HTTP 400 `ThrottlingException`, whatever the request rate.
    Throttle,
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The region from the SigV4 credential scope.
    pub region: String,
    /// The lookup attribute, as (key, value).
    pub attribute: Option<(String, String)>,
    /// `MaxResults`.
    pub max_results: Option<u64>,
    /// Whether the request carried a `NextToken`.
    pub paged: bool,
    /// The HTTP status answered (0 for a reset or hang).
    pub status: u16,
    /// The error code answered, if any.
    pub error: Option<String>,
}

struct Stored {
    region: String,
    time: f64,
    visible_at: Instant,
    record: Value,
    text: String,
}

struct Rule {
    region: Option<String>,
    fault: Fault,
    remaining: usize,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

struct State {
    shutdown: AtomicBool,
    rate: f64,
    events: Mutex<Vec<Stored>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    calls: Mutex<Vec<Call>>,
    rules: Mutex<Vec<Rule>>,
    request_ids: AtomicUsize,
}

/// The running server; it stops when dropped.
pub struct CloudTrailServer {
    address: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl CloudTrailServer {
    /// Starts a server on 127.0.0.1 that allows [`DEFAULT_RATE`] requests
    /// per second per region.
    pub fn start() -> CloudTrailServer {
        CloudTrailServer::with_rate(DEFAULT_RATE)
    }

    /// Starts a server that allows `rate` requests per second per region.
    pub fn with_rate(rate: f64) -> CloudTrailServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            shutdown: AtomicBool::new(false),
            rate,
            events: Mutex::default(),
            buckets: Mutex::default(),
            calls: Mutex::default(),
            rules: Mutex::default(),
            request_ids: AtomicUsize::new(0),
        });
        let accepting = Arc::clone(&state);
        let accept = std::thread::spawn(move || accept_loop(&listener, &accepting));
        CloudTrailServer {
            address,
            state,
            accept: Some(accept),
        }
    }

    /// Returns the endpoint URL to give the SDK.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stores records (CloudTrail record objects); each goes to the region
    /// in its `awsRegion`.
    pub fn add_records(&self, records: impl IntoIterator<Item = Value>) {
        self.add_records_delayed(records, Duration::ZERO);
    }

    /// Stores records that LookupEvents returns only after `delay`, as
    /// CloudTrail delivers events minutes after the call.
    pub fn add_records_delayed(&self, records: impl IntoIterator<Item = Value>, delay: Duration) {
        let visible_at = Instant::now() + delay;
        let mut events = self.state.events.lock().unwrap();
        for record in records {
            let region = record["awsRegion"]
                .as_str()
                .expect("record has awsRegion")
                .to_owned();
            let time = chrono::DateTime::parse_from_rfc3339(
                record["eventTime"].as_str().expect("record has eventTime"),
            )
            .expect("eventTime is RFC 3339")
            .timestamp() as f64;
            let text = record.to_string();
            events.push(Stored {
                region,
                time,
                visible_at,
                record,
                text,
            });
        }
    }

    /// Stores the records of a `{"Records": [...]}` file.
    pub fn load_file(&self, path: &Path) {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let value: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let records = value["Records"]
            .as_array()
            .expect("fixture has Records")
            .clone();
        self.add_records(records);
    }

    /// Answers the next `times` requests (in `region`, or any region) with
    /// `fault`; `usize::MAX` keeps answering so.
    pub fn inject(&self, region: Option<&str>, fault: Fault, times: usize) {
        self.state.rules.lock().unwrap().push(Rule {
            region: region.map(str::to_owned),
            fault,
            remaining: times,
        });
    }

    /// Returns every request seen so far.
    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Returns the requests seen in `region`.
    pub fn calls_in(&self, region: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.region == region)
            .collect()
    }

    /// Returns how many requests were throttled by the rate limit or a
    /// fault.
    pub fn throttled(&self) -> usize {
        self.calls()
            .iter()
            .filter(|call| call.error.as_deref() == Some("ThrottlingException"))
            .count()
    }
}

impl Drop for CloudTrailServer {
    fn drop(&mut self) {
        self.state.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop so it checks the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    for stream in listener.incoming() {
        if state.shutdown.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(state);
        std::thread::spawn(move || serve_connection(stream, &state));
    }
}

struct Request {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Serves requests on one keep-alive connection until the client closes it
/// or a fault ends it.
fn serve_connection(stream: TcpStream, state: &State) {
    let Ok(reader_stream) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_stream);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        if state.shutdown.load(Ordering::SeqCst) {
            return;
        }
        match handle(&request, state) {
            Outcome::Answer(status, body, error) => {
                if write_response(&mut writer, state, status, &body, error.as_deref()).is_err() {
                    return;
                }
            }
            Outcome::Reset => {
                let _ = socket2::SockRef::from(&writer).set_linger(Some(Duration::ZERO));
                return;
            }
            Outcome::Hang => {
                let deadline = Instant::now() + Duration::from_secs(60);
                while !state.shutdown.load(Ordering::SeqCst) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    assert!(
        !headers.contains_key("transfer-encoding"),
        "the test server reads only Content-Length bodies"
    );
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { headers, body })
}

fn write_response(
    writer: &mut TcpStream,
    state: &State,
    status: u16,
    body: &Value,
    error: Option<&str>,
) -> std::io::Result<()> {
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Internal Server Error",
    };
    let id = state.request_ids.fetch_add(1, Ordering::Relaxed);
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         Content-Length: {}\r\nx-amzn-RequestId: 00000000-0000-4000-8000-{id:012}\r\n",
        body.len()
    );
    if let Some(code) = error {
        head.push_str(&format!("x-amzn-ErrorType: {code}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(body.as_bytes())?;
    writer.flush()
}

enum Outcome {
    Answer(u16, Value, Option<String>),
    Reset,
    Hang,
}

fn error(status: u16, code: &str, message: &str) -> Outcome {
    Outcome::Answer(
        status,
        json!({"__type": code, "message": message}),
        Some(code.to_owned()),
    )
}

fn handle(request: &Request, state: &State) -> Outcome {
    let region = request
        .headers
        .get("authorization")
        .and_then(|auth| scope_region(auth))
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let attribute = body["LookupAttributes"]
        .as_array()
        .and_then(|list| list.first())
        .map(|a| {
            let text = |key: &str| a[key].as_str().unwrap_or_default().to_owned();
            (text("AttributeKey"), text("AttributeValue"))
        });
    let mut call = Call {
        region: region.clone(),
        attribute,
        max_results: body["MaxResults"].as_u64(),
        paged: body["NextToken"].is_string(),
        status: 0,
        error: None,
    };
    let outcome = answer(request, state, &region, &body);
    if let Outcome::Answer(status, _, error) = &outcome {
        call.status = *status;
        call.error = error.clone();
    }
    state.calls.lock().unwrap().push(call);
    outcome
}

fn answer(request: &Request, state: &State, region: &str, body: &Value) -> Outcome {
    if region.is_empty() {
        return error(
            400,
            "MissingAuthenticationTokenException",
            "missing SigV4 authorization",
        );
    }
    let target = request
        .headers
        .get("x-amz-target")
        .map(String::as_str)
        .unwrap_or_default();
    if target.rsplit('.').next() != Some("LookupEvents") {
        return error(
            400,
            "UnknownOperationException",
            &format!("unknown operation `{target}`"),
        );
    }
    if let Some(fault) = take_fault(state, region) {
        return fault_outcome(fault);
    }
    if !take_token(state, region) {
        return error(400, "ThrottlingException", "Rate exceeded");
    }
    lookup(state, region, body)
}

fn fault_outcome(fault: Fault) -> Outcome {
    match fault {
        Fault::ServerError => error(500, "InternalFailure", "We encountered an internal error."),
        Fault::ConnectionReset => Outcome::Reset,
        Fault::Hang => Outcome::Hang,
        Fault::ExpiredToken => error(
            400,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ),
        Fault::AccessDenied => error(
            400,
            "AccessDeniedException",
            "User: arn:aws:sts::111122223333:assumed-role/trailgrant-reader/test is not \
             authorized to perform: cloudtrail:LookupEvents because no identity-based policy \
             allows the cloudtrail:LookupEvents action",
        ),
        Fault::Throttle => error(400, "ThrottlingException", "Rate exceeded"),
    }
}

/// Returns the region of `Credential=KEY/DATE/REGION/SERVICE/aws4_request`.
fn scope_region(authorization: &str) -> Option<String> {
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    scope.split('/').nth(2).map(str::to_owned)
}

fn take_fault(state: &State, region: &str) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    let rule = rules.iter_mut().find(|rule| {
        rule.remaining > 0 && rule.region.as_deref().is_none_or(|only| only == region)
    })?;
    if rule.remaining != usize::MAX {
        rule.remaining -= 1;
    }
    Some(rule.fault)
}

/// Takes one token from the region's bucket (capacity and refill both the
/// rate), or returns false when it is empty.
fn take_token(state: &State, region: &str) -> bool {
    let mut buckets = state.buckets.lock().unwrap();
    let now = Instant::now();
    let bucket = buckets.entry(region.to_owned()).or_insert(Bucket {
        tokens: state.rate,
        updated: now,
    });
    let refill = now.duration_since(bucket.updated).as_secs_f64() * state.rate;
    bucket.tokens = (bucket.tokens + refill).min(state.rate);
    bucket.updated = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        true
    } else {
        false
    }
}

fn lookup(state: &State, region: &str, body: &Value) -> Outcome {
    let attributes = body["LookupAttributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if attributes.len() > 1 {
        return error(
            400,
            "InvalidLookupAttributesException",
            "only one lookup attribute",
        );
    }
    let attribute = attributes.first().map(|a| {
        let text = |key: &str| a[key].as_str().unwrap_or_default().to_owned();
        (text("AttributeKey"), text("AttributeValue"))
    });
    if let Some((key, _)) = &attribute {
        if field_values(&json!({}), key).is_none() {
            return error(
                400,
                "InvalidLookupAttributesException",
                &format!("bad key `{key}`"),
            );
        }
    }
    let max_results = body["MaxResults"]
        .as_u64()
        .map_or(MAX_RESULTS, |n| n as usize);
    if !(1..=MAX_RESULTS).contains(&max_results) {
        return error(
            400,
            "InvalidMaxResultsException",
            "MaxResults must be 1 to 50",
        );
    }
    let start = body["StartTime"].as_f64().unwrap_or(f64::MIN);
    let end = body["EndTime"].as_f64().unwrap_or(f64::MAX);
    if start > end {
        return error(
            400,
            "InvalidTimeRangeException",
            "StartTime is after EndTime",
        );
    }

    let fingerprint = format!("{region}|{attribute:?}|{start}|{end}");
    let offset = match body["NextToken"]
        .as_str()
        .map(|token| parse_token(token, &fingerprint))
    {
        None => 0,
        Some(Some(offset)) => offset,
        Some(None) => return error(400, "InvalidNextTokenException", "invalid NextToken"),
    };
    let filter = EventFilter {
        region,
        attribute: attribute.as_ref(),
        start,
        end,
    };
    let events = state.events.lock().unwrap();
    let matching = filter.matching(&events);
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max_results)
        .map(|stored| event(stored))
        .collect();
    let mut response = json!({ "Events": page });
    if offset + max_results < matching.len() {
        let token = format!("{}:{}", offset + max_results, token_hash(&fingerprint));
        response["NextToken"] = json!(token);
    }
    Outcome::Answer(200, response, None)
}

/// The events one request asks for.
struct EventFilter<'a> {
    region: &'a str,
    attribute: Option<&'a (String, String)>,
    start: f64,
    end: f64,
}

impl EventFilter<'_> {
    /// Returns the delivered events that match, newest first.
    fn matching<'e>(&self, events: &'e [Stored]) -> Vec<&'e Stored> {
        let now = Instant::now();
        let mut matching: Vec<&Stored> = events
            .iter()
            .filter(|e| e.region == self.region && e.visible_at <= now)
            .filter(|e| e.time >= self.start.floor() && e.time <= self.end)
            .filter(|e| {
                self.attribute.is_none_or(|(key, value)| {
                    field_values(&e.record, key)
                        .unwrap_or_default()
                        .contains(value)
                })
            })
            .collect();
        matching.sort_by(|a, b| {
            let id = |stored: &Stored| stored.record["eventID"].as_str().map(str::to_owned);
            b.time.total_cmp(&a.time).then_with(|| id(b).cmp(&id(a)))
        });
        matching
    }
}

fn token_hash(fingerprint: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    fingerprint.hash(&mut hasher);
    hasher.finish()
}

fn parse_token(token: &str, fingerprint: &str) -> Option<usize> {
    let (offset, hash) = token.split_once(':')?;
    (hash == token_hash(fingerprint).to_string()).then(|| offset.parse().ok())?
}

/// Returns the values a lookup attribute matches in a record, or none for
/// an unknown attribute key.
fn field_values(record: &Value, key: &str) -> Option<Vec<String>> {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let values = match key {
        "EventId" => text(&record["eventID"]).into_iter().collect(),
        "EventName" => text(&record["eventName"]).into_iter().collect(),
        "EventSource" => text(&record["eventSource"]).into_iter().collect(),
        "AccessKeyId" => text(&record["userIdentity"]["accessKeyId"])
            .into_iter()
            .collect(),
        "Username" => username(record).into_iter().collect(),
        "ReadOnly" => vec![read_only(record)],
        "ResourceType" => resources(record)
            .into_iter()
            .filter_map(|r| text(&r["type"]))
            .collect(),
        "ResourceName" => resources(record)
            .into_iter()
            .filter_map(|r| text(&r["ARN"]))
            .collect(),
        _ => return None,
    };
    Some(values)
}

/// CloudTrail's `Username`: the IAM user or web identity subject, or the
/// session name of an assumed role.
fn username(record: &Value) -> Option<String> {
    let identity = &record["userIdentity"];
    if let Some(name) = identity["userName"].as_str() {
        return Some(name.to_owned());
    }
    if identity["type"] == "AssumedRole" {
        return identity["arn"]
            .as_str()?
            .rsplit('/')
            .next()
            .map(str::to_owned);
    }
    None
}

fn read_only(record: &Value) -> String {
    match &record["readOnly"] {
        Value::Bool(flag) => flag.to_string(),
        Value::String(text) => text.clone(),
        _ => "false".to_owned(),
    }
}

fn resources(record: &Value) -> Vec<Value> {
    record["resources"].as_array().cloned().unwrap_or_default()
}

/// Builds one `Events[]` entry as LookupEvents returns it.
fn event(stored: &Stored) -> Value {
    let record = &stored.record;
    let mut event = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            event.insert(key.to_owned(), value);
        }
    };
    put("EventId", record.get("eventID").cloned());
    put("EventName", record.get("eventName").cloned());
    put("ReadOnly", Some(json!(read_only(record))));
    put(
        "AccessKeyId",
        record["userIdentity"].get("accessKeyId").cloned(),
    );
    put("EventTime", Some(json!(stored.time)));
    put("EventSource", record.get("eventSource").cloned());
    put("Username", username(record).map(Value::String));
    let listed: Vec<Value> = resources(record)
        .iter()
        .map(|r| json!({"ResourceType": r["type"], "ResourceName": r["ARN"]}))
        .collect();
    put("Resources", Some(Value::Array(listed)));
    put("CloudTrailEvent", Some(Value::String(stored.text.clone())));
    Value::Object(event)
}
