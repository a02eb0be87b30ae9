//! Host files: one `host:port` line a process, in process order (timely's
//! format). Blank lines and lines starting with `#` are skipped.

use std::path::Path;

use crate::ClusterError;

/// Reads the addresses of the first `processes` processes from a host file.
pub(crate) fn read(path: &Path, processes: usize) -> Result<Vec<String>, ClusterError> {
    let text = std::fs::read_to_string(path).map_err(|e| ClusterError::HostFile {
        path: path.into(),
        line: 0,
        reason: e.to_string(),
    })?;
    parse(path, &text, processes)
}

/// Parses host-file text (see [`read`]).
pub(crate) fn parse(
    path: &Path,
    text: &str,
    processes: usize,
) -> Result<Vec<String>, ClusterError> {
    let bad = |line: usize, reason: String| ClusterError::HostFile {
        path: path.into(),
        line,
        reason,
    };
    let mut addresses = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((host, port)) = line.rsplit_once(':') else {
            return Err(bad(i + 1, format!("`{line}` is not host:port")));
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad(
                i + 1,
                format!("`{line}` has no valid host before the port"),
            ));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(bad(i + 1, format!("`{port}` is not a port (1-65535)"))),
        }
        addresses.push(line.to_owned());
        if addresses.len() == processes {
            return Ok(addresses);
        }
    }
    Err(bad(
        0,
        format!(
            "it names {} process(es), the cluster has {processes}",
            addresses.len()
        ),
    ))
}

#[cfg(test)]
mod test {
    use std::path::Path;

    use super::parse;

    #[test]
    fn lines_are_read_in_order_skipping_comments() {
        let text = "# cluster\n10.0.0.1:2101\n\nnode-b:2102\nextra:1\n";
        let got = parse(Path::new("h"), text, 2).unwrap();
        assert_eq!(got, ["10.0.0.1:2101", "node-b:2102"]);
    }

    #[test]
    fn a_bad_line_names_its_number() {
        let err = parse(Path::new("h"), "a:1\nb-without-port\n", 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "host file h line 2: `b-without-port` is not host:port"
        );
        let err = parse(Path::new("h"), "a:1\nb:99999\n", 2).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse(Path::new("h"), ":80\n", 1).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn too_few_lines_is_an_error() {
        let err = parse(Path::new("h"), "a:1\n", 3).unwrap_err();
        assert!(
            err.to_string()
                .contains("names 1 process(es), the cluster has 3"),
            "{err}"
        );
    }
}
