//! What a state dir says about itself: the store's format and each table's record version, in
//! its `meta` table, checked before anything is read so that nothing is ever misread.

/// The layout of the store: one table per service of (key → JSON record), plus `meta`.
pub const FORMAT: u32 = 1;

/// The meta key of the store's format.
pub const FORMAT_KEY: &str = "format";
/// The meta key naming the local-ecs version that last wrote the store.
pub const WRITER_KEY: &str = "written-by";

/// The meta key of a table's record version.
pub fn version_key(table: &str) -> String {
    format!("{table}.version")
}

/// Whether this build reads a store of `found` format (`None`: a new, empty store).
pub fn check_format(dir: &str, found: Option<&str>, writer: Option<&str>) -> Result<(), String> {
    let Some(found) = found else {
        return Ok(());
    };
    let writer = writer.unwrap_or("an unknown version");
    match found.parse::<u32>() {
        Ok(FORMAT) => Ok(()),
        Ok(n) if n > FORMAT => Err(format!(
            "the state dir {dir} was written by local-ecs {writer} in store format {n}; this local-ecs {} reads format {FORMAT}: upgrade local-ecs, or start with another --state-dir",
            env!("CARGO_PKG_VERSION")
        )),
        Ok(n) => Err(format!(
            "the state dir {dir} was written by local-ecs {writer} in store format {n}, which this local-ecs {} cannot migrate (it reads format {FORMAT}): remove the directory, or start with another --state-dir",
            env!("CARGO_PKG_VERSION")
        )),
        Err(_) => Err(format!(
            "the state dir {dir} does not hold local-ecs state (its format is {found:?}): start with another --state-dir"
        )),
    }
}

/// The stored version of a table, as written (`None` for a table never written).
pub fn parse_version(dir: &str, table: &str, found: Option<&str>) -> Result<Option<u32>, String> {
    found
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                format!("the state dir {dir} names version {v:?} for its {table} records, which is not a version")
            })
        })
        .transpose()
}
