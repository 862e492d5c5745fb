//! Tests of the source stage: every shape, the prefilter, the real samples
//! and the malformed-input corpus.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Scans bytes with no prefilter; returns `(index, record)` pairs.
fn scan(bytes: &[u8]) -> (Vec<(usize, Record)>, ScanReport) {
    scan_with(bytes, &Prefilter::default())
}

fn scan_with(bytes: &[u8], prefilter: &Prefilter) -> (Vec<(usize, Record)>, ScanReport) {
    let mut records = Vec::new();
    let report = scan_bytes("input", bytes, prefilter, |record, origin| {
        assert_eq!(origin.path, "input");
        records.push((origin.index, record));
    });
    (records, report)
}

/// Scans paths; returns records sorted by origin.
fn scan_all(paths: &[PathBuf]) -> (Vec<(Origin, Record)>, ScanReport) {
    let records = Mutex::new(Vec::new());
    let report = scan_paths(paths, &Prefilter::default(), |record, origin| {
        records.lock().unwrap().push((origin.clone(), record));
    });
    let mut records = records.into_inner().unwrap();
    records.sort_by(|a, b| (&a.0.path, a.0.index).cmp(&(&b.0.path, b.0.index)));
    (records, report)
}

fn names(records: &[(usize, Record)]) -> Vec<(usize, &str)> {
    records
        .iter()
        .map(|(index, record)| (*index, record.name()))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn messages(report: &ScanReport) -> Vec<String> {
    report.problems.iter().map(ToString::to_string).collect()
}

fn is_denied(record: &Record) -> bool {
    let code = record
        .error_code
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    ["denied", "unauthorized", "unauthorised"]
        .iter()
        .any(|word| code.contains(word))
}

const DELIVERY: &[u8] = br#"{"Records":[{"eventVersion":"1.08","eventName":"A"},
  {"eventVersion":"1.08","eventName":"B","errorCode":"AccessDenied"}]}"#;

#[test]
fn s3_delivery_file() {
    let (records, report) = scan(DELIVERY);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    assert_eq!(report.records, 2);
    assert_eq!(report.parsed, 2);
    assert_eq!(report.files, 1);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn gzip_is_found_by_magic_bytes_and_members_are_joined() {
    let mut two_members = gzip(DELIVERY);
    two_members.extend(gzip(br#"{"Records":[{"eventName":"C"}]}"#));
    let (records, report) = scan(&two_members);
    assert_eq!(names(&records), [(0, "A"), (1, "B"), (2, "C")]);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn container_keys_in_any_order_with_others() {
    let input = br#"{"QueryStatus":"FINISHED","Records":[{"eventName":"A"}],"NextToken":"x"}"#;
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A")]);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn bare_array_and_single_record() {
    let (records, _) = scan(br#" [ {"eventName":"A"} , {"eventName":"B"} ] "#);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    let (records, report) =
        scan(b"\xEF\xBB\xBF{\"eventVersion\":\"1.05\",\n \"eventName\":\"A\"}\n");
    assert_eq!(names(&records), [(0, "A")]);
    assert_eq!(report.records, 1);
}

#[test]
fn json_lines_with_logstash_keys() {
    let input = b"{\"@version\":\"1\",\"eventName\":\"A\"}\r\n\n{\"eventName\":\"B\",\"@timestamp\":\"x\"}\n";
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn json_lines_broken_line_costs_only_that_line() {
    let input = b"{\"eventName\":\"A\"}\n{\"eventName\":\"B\n{\"eventName\":\"C\"}\n";
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (2, "C")]);
    assert_eq!(report.records, 3);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].index, Some(1));
    assert_eq!(
        report.problems[0].message,
        "invalid JSON line: it ends inside its object; skipped"
    );
}

#[test]
fn broken_first_json_line_skipped() {
    let inputs: [&[u8]; 3] = [
        b"{bad\n{\"eventName\":\"B\"}\n{\"eventName\":\"C\"}\n",
        b"{\"eventVersion\":\"1.08\",\"eventName\":\n{\"eventName\":\"B\"}\n{\"eventName\":\"C\"}\n",
        b"{\"eventName\":\"A\" x}\r\n{\"eventName\":\"B\"}\r\n{\"eventName\":\"C\"}\r\n",
    ];
    for input in inputs {
        let text = String::from_utf8_lossy(input);
        let (records, report) = scan(input);
        assert_eq!(names(&records), [(1, "B"), (2, "C")], "{text}");
        assert_eq!(report.records, 3, "{text}");
        assert_eq!(report.problems.len(), 1, "{text}");
        assert_eq!(report.problems[0].index, Some(0), "{text}");
    }
}

#[test]
fn broken_json_lines_always_reported() {
    let input = b"{\"eventName\":\"A\",\"role\":\"gha-deploy\"}\n{bad\nnot json at all\n}\n\
                  {\"eventName\":\"B\",\"role\":\"gha-deploy\"}\n{\"eventVersion\":\"1.08\",\"eventName\":\n";
    let prefilter = Prefilter::any_of(["gha-deploy"]);
    let (records, report) = scan_with(input, &prefilter);
    assert_eq!(names(&records), [(0, "A"), (4, "B")]);
    let indexes: Vec<_> = report
        .problems
        .iter()
        .map(|problem| problem.index)
        .collect();
    assert_eq!(indexes, [Some(1), Some(2), Some(3), Some(5)]);
    assert_eq!(
        report.problems[1].message,
        "invalid JSON line: expected an object; skipped"
    );
}

#[test]
fn broken_single_record_is_not_read_as_lines() {
    let input = b"{\n  \"eventName\": \"A\",\n  \"x\": \n}\n";
    let (records, report) = scan(input);
    assert!(records.is_empty());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
}

#[test]
fn pretty_printed_records_one_after_another() {
    let input = b"{\n \"eventName\": \"A\"\n}\n{\n \"eventName\": \"B\"\n}\n";
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn lookup_events_response_with_epoch_and_iso_times() {
    let input = br#"{"Events":[
        {"EventId":"1","EventTime":1706601128.0,"CloudTrailEvent":"{\"eventName\":\"A\"}"},
        {"EventId":"2","EventTime":"2024-01-30T07:52:08+00:00",
         "CloudTrailEvent":"{\"eventName\":\"B\",\"eventTime\":\"2024-01-30T07:00:00Z\"}"}],
        "NextToken":"abc"}"#;
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    let times: Vec<String> = records
        .iter()
        .map(|(_, r)| r.event_time.unwrap().to_rfc3339())
        .collect();
    assert_eq!(
        times,
        ["2024-01-30T07:52:08+00:00", "2024-01-30T07:00:00+00:00"]
    );
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn eventbridge_events_alone_in_arrays_and_lines() {
    let event = |name: &str| {
        format!(
            r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.ecr","resources":[],"detail":{{"eventName":"{name}"}}}}"#
        )
    };
    let single = event("A");
    let array = format!("[{},{}]", event("A"), event("B"));
    let lines = format!("{}\n{}\n", event("A"), event("B"));
    assert_eq!(names(&scan(single.as_bytes()).0), [(0, "A")]);
    assert_eq!(names(&scan(array.as_bytes()).0), [(0, "A"), (1, "B")]);
    assert_eq!(names(&scan(lines.as_bytes()).0), [(0, "A"), (1, "B")]);
}

#[test]
fn lines_of_delivery_files_are_read_as_containers() {
    let input =
        b"{\"eventName\":\"A\"}\n{\"Records\":[{\"eventName\":\"B\"},{\"eventName\":\"C\"}]}\n";
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (1, "B"), (2, "C")]);
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn lake_results_rows_become_records() {
    let input = br#"{"QueryStatus":"FINISHED","QueryResultRows":[
        [{"eventName":"A"},{"errorCode":"AccessDenied"},{"sessionissuerarn":"arn:aws:iam::1:role/r"}],
        [{"eventName":"B"},{"apiCount":"7"}]]}"#;
    let (records, report) = scan(input);
    assert_eq!(names(&records), [(0, "A"), (1, "B")]);
    let issuer = &records[0].1.user_identity.session_context.session_issuer;
    assert_eq!(issuer.arn.as_deref(), Some("arn:aws:iam::1:role/r"));
    assert!(report.is_complete(), "{:?}", report.problems);
}

#[test]
fn message_catalog_is_not_records() {
    let (records, report) = scan(br#"{"note":"messages","messages":[{"text":"User: x"}]}"#);
    assert!(records.is_empty());
    assert_eq!(report.records, 0);
    assert_eq!(
        messages(&report),
        ["input: not CloudTrail records: the input is a JSON object with keys `note`, `messages`"]
    );
}

#[test]
fn non_records_in_an_array_are_reported_by_index() {
    let (records, report) = scan(br#"[{"eventName":"A"}, 5, {"x":1}, {"eventName":"B"}]"#);
    assert_eq!(names(&records), [(0, "A"), (3, "B")]);
    assert_eq!(
        messages(&report),
        [
            "input: record 1: not a CloudTrail record: a JSON number",
            "input: record 2: not a CloudTrail record: a JSON object with keys `x`",
        ]
    );
}

#[test]
fn prefilter_skips_records_before_parsing() {
    let input = br#"{"Records":[{"eventName":"A","x":"gha-deploy"},{"eventName":"B"},
        {"eventName":"C","x":"gha-deploy","errorCode":"AccessDenied"}, {"broken":}]}"#;
    let prefilter = Prefilter::any_of(["gha-deploy"]);
    let (records, report) = scan_with(input, &prefilter);
    assert_eq!(names(&records), [(0, "A"), (2, "C")]);
    assert_eq!(report.records, 4);
    assert_eq!(report.parsed, 2);
    assert!(
        report.is_complete(),
        "a skipped record is not parsed, so not reported"
    );
    let stricter = prefilter.and_all_of(["errorCode"]);
    assert_eq!(names(&scan_with(input, &stricter).0), [(2, "C")]);
    assert!(stricter.is_match(br#"{"x":"gha-deploy","errorCode":1}"#));
    assert!(!stricter.is_match(br#"{"x":"gha-deploy"}"#));
}

#[test]
fn other_compression_formats_are_named() {
    let (_, report) = scan(b"\x28\xb5\x2f\xfd\x00\x00");
    assert_eq!(
        messages(&report),
        ["input: zstd-compressed input is not supported; decompress it first"]
    );
}

#[test]
fn empty_input_has_no_records_and_no_problem() {
    let (records, report) = scan(b"");
    assert!(records.is_empty());
    assert!(report.is_complete());
    assert_eq!(report.files, 1);
}

/// One row of the samples index: file, shape, records, denied.
struct IndexRow {
    file: String,
    shape: String,
    records: usize,
    denied: Option<usize>,
}

fn sample_index() -> Vec<IndexRow> {
    let index = std::fs::read_to_string(fixtures().join("cloudtrail-samples/INDEX.md")).unwrap();
    index
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let records = cells.get(3)?.parse().ok()?;
            Some(IndexRow {
                file: cells[1].to_owned(),
                shape: cells[2].to_owned(),
                records,
                denied: cells[4].parse().ok(),
            })
        })
        .collect()
}

#[test]
fn every_sample_file_reads_with_indexed_counts() {
    let rows = sample_index();
    let root = fixtures().join("cloudtrail-samples");
    let data_files: Vec<String> = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_none_or(|x| x != "md"))
        .map(|e| e.path().strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert_eq!(rows.len(), data_files.len(), "every sample file has a row");
    for file in &data_files {
        assert!(
            rows.iter().any(|row| &row.file == file),
            "{file} missing from INDEX.md"
        );
    }
    for row in &rows {
        let path = fixtures().join("cloudtrail-samples").join(&row.file);
        let (records, report) = scan_all(std::slice::from_ref(&path));
        let file = &row.file;
        if row.shape.starts_with("message catalog") {
            assert_eq!(report.records, 0, "{file}");
            assert_eq!(report.problems.len(), 1, "{file}");
            assert!(
                report.problems[0]
                    .message
                    .starts_with("not CloudTrail records: "),
                "{file}"
            );
            continue;
        }
        assert!(report.is_complete(), "{file}: {:?}", report.problems);
        assert_eq!(report.records, row.records, "{file}");
        assert_eq!(records.len(), row.records, "{file}");
        let indexes: Vec<usize> = records.iter().map(|(origin, _)| origin.index).collect();
        assert_eq!(indexes, (0..row.records).collect::<Vec<_>>(), "{file}");
        let denied = records
            .iter()
            .filter(|(_, record)| is_denied(record))
            .count();
        match row.denied {
            Some(expected) => assert_eq!(denied, expected, "{file}"),
            // Lake rows carry `errorCode` only when the query selected it.
            None if file.contains("denied-records") => assert_eq!(denied, row.records, "{file}"),
            None => assert_eq!(denied, 0, "{file}"),
        }
    }
}

#[test]
fn sample_directory_reads_whole() {
    let root = fixtures().join("cloudtrail-samples");
    let (records, report) = scan_all(&[root]);
    let rows = sample_index();
    let expected: usize = rows
        .iter()
        .filter(|r| !r.shape.starts_with("message catalog"))
        .map(|r| r.records)
        .sum();
    assert_eq!(report.records, expected);
    assert_eq!(records.len(), expected);
    let outside_assembled = records
        .iter()
        .filter(|(o, _)| !o.path.contains("/assembled/"));
    let lake_rows = rows
        .iter()
        .filter(|r| r.shape.contains("Lake") && !r.file.starts_with("assembled"))
        .map(|r| r.records)
        .sum::<usize>();
    assert_eq!(
        outside_assembled.count(),
        573 + lake_rows,
        "573 records outside assembled/"
    );
    let catalogs = report
        .problems
        .iter()
        .filter(|p| p.message.starts_with("not CloudTrail"));
    assert_eq!(catalogs.count(), 2);
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert_eq!(report.files, rows.len());
    assert_eq!(report.skipped, 14, "INDEX.md and 13 SOURCE.md files");
}

#[test]
fn samples_keep_their_provenance_notes() {
    let root = fixtures().join("cloudtrail-samples");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert!(path.join("SOURCE.md").is_file(), "{}", path.display());
        }
    }
}

fn malformed(name: &str) -> (Vec<(Origin, Record)>, ScanReport) {
    scan_all(&[fixtures().join("malformed").join(name)])
}

/// Returns each problem as `file: [record N: ]message`, with the fixture
/// directory left out.
fn short_messages(report: &ScanReport) -> Vec<String> {
    let prefix = format!("{}/", fixtures().join("malformed").display());
    messages(report)
        .iter()
        .map(|m| m.replacen(&prefix, "", 1))
        .collect()
}

#[test]
fn malformed_truncated_gzip() {
    let (records, report) = malformed("truncated.json.gz");
    assert!(!records.is_empty(), "records before the cut are read");
    let problems = short_messages(&report);
    assert_eq!(problems.len(), 1);
    let expected = format!(
        "truncated.json.gz: record {}: gzip data is truncated",
        records.len()
    );
    assert!(problems[0].starts_with(&expected), "{problems:?}");
}

#[test]
fn malformed_gzip_of_text() {
    let (records, report) = malformed("gzip-of-text.json.gz");
    assert!(records.is_empty());
    assert_eq!(
        short_messages(&report),
        [
            "gzip-of-text.json.gz: invalid JSON at byte 0: expected JSON (an object or array of \
          CloudTrail records), found `t`"
        ]
    );
}

#[test]
fn malformed_invalid_utf8() {
    let (records, report) = malformed("invalid-utf8.json");
    let names: Vec<(usize, &str)> = records.iter().map(|(o, r)| (o.index, r.name())).collect();
    assert_eq!(names, [(0, "A"), (2, "C")]);
    let problems = short_messages(&report);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("invalid-utf8.json: record 1: invalid record: invalid unicode"),
        "{problems:?}"
    );
}

#[test]
fn malformed_wrong_top_level_shape() {
    let (_, report) = malformed("wrong-top-level-shape.json");
    assert_eq!(
        short_messages(&report),
        [
            "wrong-top-level-shape.json: invalid JSON at byte 0: expected an object or array of \
          CloudTrail records, not a JSON scalar, found `\"`"
        ]
    );
}

#[test]
fn malformed_records_not_an_array() {
    let (_, report) = malformed("records-not-an-array.json");
    assert_eq!(
        short_messages(&report),
        ["records-not-an-array.json: `Records` is an object, expected an array"]
    );
}

#[test]
fn malformed_null_fields() {
    let (records, report) = malformed("null-fields.json");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].1, Record::default());
    assert_eq!(records[1].1.name(), "B");
    assert_eq!(
        short_messages(&report),
        ["null-fields.json: record 2: not a CloudTrail record: `null`"]
    );
}

#[test]
fn malformed_truncated_json() {
    let (records, report) = malformed("truncated-json.json");
    assert_eq!(records.len(), 1);
    assert_eq!(
        short_messages(&report),
        ["truncated-json.json: record 1: input ends inside a record"]
    );
}

#[test]
fn malformed_directory_reads_every_good_record() {
    let (records, report) = scan_all(&[fixtures().join("malformed")]);
    let good: Vec<&str> = records
        .iter()
        .filter(|(o, _)| o.path.ends_with("good.json"))
        .map(|(_, r)| r.name())
        .collect();
    assert_eq!(good, ["GetAuthorizationToken", "DescribeRepositories"]);
    let files_with_problems: std::collections::BTreeSet<&str> = report
        .problems
        .iter()
        .map(|p| p.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(files_with_problems.len(), 7, "{:?}", report.problems);
    assert!(!files_with_problems.contains("good.json"));
    assert_eq!(report.skipped, 1, "README.md");
    for problem in &report.problems {
        assert!(!problem.message.contains('\n'), "one line: {problem}");
    }
}

#[test]
fn huge_string_is_reported_without_being_held() {
    let mut input = b"{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\",\"x\":\"".to_vec();
    input.resize(input.len() + 100 * 1024 * 1024, b'a');
    input.extend(b"\"},{\"eventName\":\"C\"}]}");
    let (records, report) = scan(&input);
    assert_eq!(names(&records), [(0, "A"), (2, "C")]);
    assert_eq!(
        messages(&report),
        ["input: record 1: record is larger than 16 MiB; skipped"]
    );
}

#[test]
fn huge_single_object_is_reported() {
    let mut input = b"{\"eventName\":\"A\",\"x\":\"".to_vec();
    input.resize(input.len() + 20 * 1024 * 1024, b'a');
    input.extend(b"\"}");
    let (records, report) = scan(&input);
    assert!(records.is_empty());
    assert_eq!(
        messages(&report),
        ["input: record 0: record is larger than 16 MiB; skipped"]
    );
}

#[test]
fn deep_nesting_is_reported_not_fatal() {
    let depth = 100_000;
    let mut input = b"[{\"eventName\":\"A\"},{\"eventName\":\"B\",\"requestParameters\":".to_vec();
    input.extend(std::iter::repeat_n(b'[', depth));
    input.extend(std::iter::repeat_n(b']', depth));
    input.extend(b"},{\"eventName\":\"C\"}]");
    let (records, report) = scan(&input);
    assert_eq!(names(&records), [(0, "A"), (2, "C")]);
    let problems = messages(&report);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("input: record 1: invalid record: recursion limit exceeded"),
        "{problems:?}"
    );
}

#[test]
fn deep_nesting_at_top_level_is_reported() {
    let mut input = vec![b'['; 50_000];
    input.extend(vec![b']'; 50_000]);
    let (records, report) = scan(&input);
    assert!(records.is_empty());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
}

/// A reader that fails after handing out its data, as a file on a network
/// mount does when the server drops it.
struct FailingReader<'a> {
    data: &'a [u8],
}

impl Read for FailingReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "stale file handle"));
        }
        let count = out.len().min(self.data.len());
        out[..count].copy_from_slice(&self.data[..count]);
        self.data = &self.data[count..];
        Ok(count)
    }
}

#[test]
fn read_error_mid_file_keeps_earlier_records() {
    let data = &DELIVERY[..DELIVERY.len() - 20];
    let mut records = Vec::new();
    let report = scan_reader(
        "s3://bucket/key",
        FailingReader { data },
        &Prefilter::default(),
        |r, o| {
            records.push((o.index, r.name().to_owned()));
        },
    );
    assert_eq!(records, [(0, "A".to_owned())]);
    assert_eq!(
        messages(&report),
        ["s3://bucket/key: record 1: read failed: stale file handle"]
    );
}

#[test]
fn file_removed_between_listing_and_reading() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), DELIVERY).unwrap();
    std::fs::write(dir.path().join("b.json"), DELIVERY).unwrap();
    let inputs: Vec<Input> = walk::inputs(&[dir.path().to_path_buf()]).collect();
    std::fs::remove_file(dir.path().join("b.json")).unwrap();
    let count = Mutex::new(0);
    let report = scan_inputs(inputs.into_iter(), &Prefilter::default(), &|_, _| {
        *count.lock().unwrap() += 1;
    });
    assert_eq!(count.into_inner().unwrap(), 2);
    let path = dir.path().join("b.json").display().to_string();
    assert_eq!(
        messages(&report),
        [format!(
            "{path}: cannot open: No such file or directory (os error 2)"
        )]
    );
}

#[test]
fn missing_path_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let (_, report) = scan_all(std::slice::from_ref(&missing));
    assert_eq!(
        messages(&report),
        [format!(
            "{}: cannot read: No such file or directory (os error 2)",
            missing.display()
        )]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_once_and_walk_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("111122223333_CloudTrail_us-east-1_x.json.gz"),
        gzip(DELIVERY),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("AWSLogs"), logs.join("back")).unwrap();
    let (records, report) = scan_all(&[dir.path().to_path_buf()]);
    assert_eq!(records.len(), 2);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let problem = &report.problems[0];
    assert_eq!(problem.path, logs.join("back").display().to_string());
    assert_eq!(
        problem.message,
        format!(
            "symbolic link loop: leads back to `{}`; not followed",
            dir.path().join("AWSLogs").display()
        )
    );
}

#[cfg(unix)]
#[test]
fn fifo_in_directory_is_reported_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), DELIVERY).unwrap();
    let fifo = dir.path().join("pipe.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (records, report) = scan_all(&[dir.path().to_path_buf()]);
    assert_eq!(records.len(), 2);
    assert_eq!(
        messages(&report),
        [format!(
            "{}: not a regular file (a FIFO, socket or device); skipped",
            fifo.display()
        )]
    );
}

#[test]
fn directories_skip_hidden_digest_and_non_log_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in [
        ".git",
        "AWSLogs/1/CloudTrail-Digest/us-east-1",
        "AWSLogs/1/CloudTrail/us-east-1",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join(".git/x.json"), b"not json").unwrap();
    std::fs::write(root.join(".hidden.json"), b"not json").unwrap();
    std::fs::write(
        root.join("AWSLogs/1/CloudTrail-Digest/us-east-1/d.json.gz"),
        b"x",
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), b"x").unwrap();
    std::fs::write(
        root.join("AWSLogs/1/CloudTrail/us-east-1/a.JSON.GZ"),
        gzip(DELIVERY),
    )
    .unwrap();
    let (records, report) = scan_all(&[root.to_path_buf()]);
    assert_eq!(records.len(), 2);
    assert!(report.is_complete(), "{:?}", report.problems);
    assert_eq!(report.skipped, 1);
    assert_eq!(report.files, 1);
    let (_, explicit) = scan_all(&[root.join("notes.txt")]);
    assert_eq!(
        explicit.files, 1,
        "a file named on the command line is read"
    );
}

#[test]
fn problems_are_sorted_and_counts_add_up_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        let body = if i % 10 == 3 {
            b"oops".to_vec()
        } else {
            DELIVERY.to_vec()
        };
        std::fs::write(dir.path().join(format!("f{i:02}.json")), body).unwrap();
    }
    let (records, report) = scan_all(&[dir.path().to_path_buf()]);
    assert_eq!(records.len(), 36 * 2);
    assert_eq!(report.files, 40);
    let paths: Vec<&str> = report.problems.iter().map(|p| p.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 4);
}
