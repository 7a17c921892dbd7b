//! The version bump a diff implies for `generated-client` (the `happyhorse-client` crate).
//!
//! Each class asks for a SemVer level:
//!
//! | class | level | why |
//! | --- | --- | --- |
//! | breaking | major | code that compiled may not compile |
//! | behaviour | minor | compiles, but runs differently: new functionality in a compatible release, never a patch that looks like a bug fix |
//! | additive | minor | new public items (the Rust convention for additions) |
//! | documentation, provenance | patch | only the generated rustdoc changes |
//!
//! The level becomes a version the way Cargo reads versions: from 1.0.0 on, major/minor/
//! patch bump those numbers. While the major version is 0, Cargo treats `0.x` → `0.(x+1)`
//! as incompatible and `0.x.y` → `0.x.(y+1)` as compatible, so a major level bumps the
//! minor number (0.1.0 → 0.2.0) and a minor level bumps the patch number (0.1.0 → 0.1.1).
//! Under `0.0.z` Cargo treats every release as incompatible: any level bumps `z`.

use std::fmt;

use serde::{Serialize, Serializer};

use super::change::{Class, SpecDiff};

/// A `major.minor.patch` version (pre-release and build suffixes are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Incompatible API changes (from 1.0.0 on).
    pub major: u64,
    /// Compatible additions (from 1.0.0 on); incompatible changes while `major` is 0.
    pub minor: u64,
    /// Compatible fixes; compatible changes of any kind while `major` is 0.
    pub patch: u64,
}

impl Version {
    /// Parses `0.1.0` (a `-pre` or `+build` suffix is ignored).
    pub fn parse(s: &str) -> Option<Version> {
        let core = s.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.').map(str::parse::<u64>);
        let v = Version { major: parts.next()?.ok()?, minor: parts.next()?.ok()?, patch: parts.next()?.ok()? };
        parts.next().is_none().then_some(v)
    }

    /// The `package.version` of a `Cargo.toml`.
    pub fn from_cargo_toml(text: &str) -> Option<Version> {
        let table: toml::Table = text.parse().ok()?;
        Version::parse(table.get("package")?.get("version")?.as_str()?)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A SemVer level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing to release.
    None,
    /// Documentation only.
    Patch,
    /// Compatible: behaviour or additions.
    Minor,
    /// Incompatible: code may stop compiling.
    Major,
}

impl Level {
    /// The level a class asks for.
    pub fn of(class: Class) -> Level {
        match class {
            Class::Breaking => Level::Major,
            Class::Behaviour | Class::Additive => Level::Minor,
            Class::Docs => Level::Patch,
        }
    }

    /// The level a whole diff asks for.
    pub fn of_diff(diff: &SpecDiff) -> Level {
        let provenance = if diff.provenance.is_empty() { Level::None } else { Level::Patch };
        diff.changes.iter().map(|c| Level::of(c.class)).chain([provenance]).max().unwrap_or(Level::None)
    }
}

/// The bump a diff implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bump {
    /// The level the worst change asks for.
    pub level: Level,
    /// The version the old tree was released as, when known.
    pub from: Option<Version>,
    /// The version to release the new tree as.
    pub to: Option<Version>,
    /// The rule applied, in words.
    pub rule: String,
}

impl Bump {
    /// The bump for `diff` from version `from`.
    pub fn new(diff: &SpecDiff, from: Option<Version>) -> Bump {
        let level = Level::of_diff(diff);
        let why = match diff.worst() {
            Some(c @ (Class::Breaking | Class::Behaviour | Class::Additive)) => format!("{} changes", c.word()),
            Some(Class::Docs) => "documentation changes only".to_owned(),
            None if level == Level::Patch => "provenance changes only (rustdoc)".to_owned(),
            None => "no change".to_owned(),
        };
        let Some(v) = from else {
            return Bump { level, from, to: None, rule: format!("{why}: a {} bump", word(level)) };
        };
        let patch = Version { patch: v.patch + 1, ..v };
        let minor = Version { minor: v.minor + 1, patch: 0, ..v };
        let major = Version { major: v.major + 1, minor: 0, patch: 0 };
        let (to, rule) = match level {
            Level::None => (v, format!("{why}: keep the version")),
            _ if v.major == 0 && v.minor == 0 => {
                (patch, format!("{why}; under 0.0.z Cargo reads every release as breaking, so the patch number moves"))
            }
            Level::Major if v.major == 0 => {
                (minor, format!("{why}; while the major version is 0, Cargo reads a minor bump as breaking"))
            }
            Level::Minor if v.major == 0 => (
                patch,
                format!("{why}, none breaking; while the major version is 0, Cargo reads a patch bump as compatible"),
            ),
            Level::Major => (major, format!("{why}: a major bump")),
            Level::Minor => (minor, format!("{why}, none breaking: a minor bump")),
            Level::Patch => (patch, format!("{why}: a patch bump")),
        };
        Bump { level, from, to: Some(to), rule }
    }
}

fn word(level: Level) -> &'static str {
    match level {
        Level::None => "no",
        Level::Patch => "patch",
        Level::Minor => "minor",
        Level::Major => "major",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::change::Change;

    fn diff_of(classes: &[Class]) -> SpecDiff {
        SpecDiff { changes: classes.iter().map(|c| Change::new(*c, "k", "s")).collect(), provenance: Vec::new() }
    }

    fn to(classes: &[Class], from: &str) -> String {
        Bump::new(&diff_of(classes), Version::parse(from)).to.map(|v| v.to_string()).unwrap_or_default()
    }

    #[test]
    fn zero_major_breaking_bumps_minor_and_compatible_bumps_patch() {
        assert_eq!(to(&[Class::Additive, Class::Breaking], "0.1.0"), "0.2.0");
        assert_eq!(to(&[Class::Behaviour], "0.1.3"), "0.1.4");
        assert_eq!(to(&[Class::Additive], "0.1.3"), "0.1.4");
        assert_eq!(to(&[Class::Docs], "0.1.3"), "0.1.4");
        assert_eq!(to(&[], "0.1.3"), "0.1.3");
    }

    #[test]
    fn from_one_on_levels_are_semver_levels() {
        assert_eq!(to(&[Class::Breaking], "1.4.2"), "2.0.0");
        assert_eq!(to(&[Class::Behaviour], "1.4.2"), "1.5.0");
        assert_eq!(to(&[Class::Additive], "1.4.2"), "1.5.0");
        assert_eq!(to(&[Class::Docs], "1.4.2"), "1.4.3");
    }

    #[test]
    fn zero_zero_always_bumps_patch() {
        assert_eq!(to(&[Class::Breaking], "0.0.7"), "0.0.8");
    }

    #[test]
    fn versions_parse_from_cargo_toml() {
        let toml = "[package]\nname = \"happyhorse-client\"\nversion = \"0.1.0-rc.1\"\n";
        assert_eq!(Version::from_cargo_toml(toml), Some(Version { major: 0, minor: 1, patch: 0 }));
        assert_eq!(Version::parse("1.2"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
    }
}
