//! Placeholder.

/// IAM `StringLike` matching: `*` matches any run of characters, `?` one.
pub fn like(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    let (mut p, mut v) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some(p);
                mark = v;
                p += 1;
            }
            Some(&ch) if ch == '?' || Some(&ch) == value.get(v) => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    mark += 1;
                    v = mark;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&ch| ch == '*'))
}
