//! The model of a diff: one [`Change`] per user-visible difference, classified by what it
//! does to users of the generated crate, plus provenance [`Note`]s that change nothing
//! for them.

use serde::Serialize;

/// What a change does to users of `happyhorse-client`, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Code that compiled may stop compiling: a Rust item removed or renamed, a type
    /// changed, a new required field, a variant added to an exhaustive enum.
    Breaking,
    /// Code still compiles but runs differently: validation stricter or looser, another
    /// price, formula, polling schedule, retry or rejection rule, wire spelling or URL.
    Behaviour,
    /// New things to use; nothing existing changes: a new module, operation, type, price
    /// row, example, optional field of a non-exhaustive struct.
    Additive,
    /// Only the generated documentation (rustdoc, decisions, example texts) changes.
    #[serde(rename = "documentation")]
    Docs,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 4] = [Class::Breaking, Class::Behaviour, Class::Additive, Class::Docs];

    /// The section title.
    pub fn title(self) -> &'static str {
        match self {
            Class::Breaking => "Breaking",
            Class::Behaviour => "Behaviour",
            Class::Additive => "Additive",
            Class::Docs => "Documentation",
        }
    }

    /// The word used in the summary line.
    pub fn word(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Behaviour => "behaviour",
            Class::Additive => "additive",
            Class::Docs => "documentation",
        }
    }
}

/// Which code a breaking change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Any code that names the item.
    AnyUse,
    /// Only struct literals (`T { a, b }`) and patterns without `..`; code that uses the
    /// constructors (`new`, `with_*`) or decodes the type keeps compiling.
    StructLiterals,
    /// Only `match`es that list every variant without a wildcard arm.
    ExhaustiveMatches,
}

impl Reach {
    /// A sentence for reports.
    pub fn text(self) -> &'static str {
        match self {
            Reach::AnyUse => "breaks any code that uses it",
            Reach::StructLiterals => {
                "breaks only struct literals and patterns without `..` (the struct is not `#[non_exhaustive]`)"
            }
            Reach::ExhaustiveMatches => {
                "breaks only `match`es without a wildcard arm (the enum is not `#[non_exhaustive]`)"
            }
        }
    }
}

/// One difference between two spec trees that users of the generated crate can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What the change does to users.
    pub class: Class,
    /// For breaking changes: which code breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
    /// Rust module of the provider, `apixo`.
    pub module: String,
    /// Spec key path. Array entries are named by their key, not their index:
    /// `types.Input.fields[image_urls].per_mode.reference-to-video.items`,
    /// `http_statuses[503]`, `billing.prices[480p]`.
    pub key: String,
    /// What changed, `` `Input.image_urls` item count (mode `reference-to-video`) ``.
    pub subject: String,
    /// The value before, when there was one.
    pub old: Option<String>,
    /// The value after, when there is one.
    pub new: Option<String>,
    /// What it means for users, `looser: validation accepts values it rejected`.
    pub effect: String,
    /// The Rust items or runtime behaviour it affects.
    pub affects: Vec<String>,
}

impl Change {
    /// A change with no values, effect or affected items yet; the module is filled in
    /// when it is recorded.
    pub fn new(class: Class, key: impl Into<String>, subject: impl Into<String>) -> Self {
        Change {
            class,
            reach: (class == Class::Breaking).then_some(Reach::AnyUse),
            module: String::new(),
            key: key.into(),
            subject: subject.into(),
            old: None,
            new: None,
            effect: String::new(),
            affects: Vec::new(),
        }
    }

    /// Sets the values before and after.
    pub fn values(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old = old;
        self.new = new;
        self
    }

    /// Sets the value before and after.
    pub fn between(self, old: impl Into<String>, new: impl Into<String>) -> Self {
        self.values(Some(old.into()), Some(new.into()))
    }

    /// Sets the effect.
    pub fn effect(mut self, effect: impl Into<String>) -> Self {
        self.effect = effect.into();
        self
    }

    /// Adds an affected item.
    pub fn affects(mut self, item: impl Into<String>) -> Self {
        self.affects.push(item.into());
        self
    }

    /// Sets which code a breaking change breaks.
    pub fn reach(mut self, reach: Reach) -> Self {
        if self.class == Class::Breaking {
            self.reach = Some(reach);
        }
        self
    }
}

/// A provenance-only difference (a fact's source or a cited doc): no effect on code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Rust module of the provider.
    pub module: String,
    /// Spec key path of the source, `types.Input.fields[image_urls].source`.
    pub key: String,
    /// The citation before, `page § Overview: "1-9 URLs ..."`.
    pub old: String,
    /// The citation after.
    pub new: String,
}

/// The diff of two spec trees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpecDiff {
    /// In module order, then in spec order within a module.
    pub changes: Vec<Change>,
    /// Provenance-only differences.
    pub provenance: Vec<Note>,
}

impl SpecDiff {
    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// How many changes have this class.
    pub fn count(&self, class: Class) -> usize {
        self.of(class).count()
    }

    /// The worst class present, `None` when nothing changed for users.
    pub fn worst(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).min()
    }

    /// Nothing changed at all (provenance included).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.provenance.is_empty()
    }
}
