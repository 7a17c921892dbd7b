//! Resolving dotted wire paths (`data.taskId`, `input.duration`) against lowered types.

use super::{FieldPath, Ty, TypeDef, Types};

/// A name in a billing formula, resolved for one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    /// A request field.
    Field {
        /// Dotted wire path as written, `input.duration`.
        wire: String,
        /// The path starts at the mode's variant payload (else at the request root).
        from_variant: bool,
        /// Rust field names and whether each is optional.
        steps: Vec<(String, bool)>,
        /// Type of the field: `Integer` or an enum.
        ty: Ty,
    },
    /// A declared billing input, by name.
    Input(String),
    /// The unit price selected by `price_by`.
    UnitPrice,
}

/// Walks `wire` from struct `root` through struct fields only (response paths).
pub(super) fn response_path(m: &[TypeDef], root: &str, wire: &str) -> Result<FieldPath, String> {
    let mut current = root.to_owned();
    let mut steps = Vec::new();
    let segments: Vec<&str> = wire.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let Some(s) = m.struct_def(&current) else {
            return Err(format!("`{}` is not an object, so it has no field `{seg}`", segments[..i].join(".")));
        };
        let Some(f) = s.fields.iter().find(|f| f.wire == *seg) else {
            let known: Vec<&str> = s.fields.iter().map(|f| f.wire.as_str()).collect();
            return Err(format!("type {current} has no field `{seg}` (fields: {})", known.join(", ")));
        };
        steps.push((f.rust.clone(), !f.required));
        if i + 1 == segments.len() {
            return Ok(FieldPath { wire: wire.to_owned(), steps, ty: f.ty.clone() });
        }
        current = match &f.ty {
            Ty::Struct(n) => n.clone(),
            Ty::Json(inner) => match inner.as_ref() {
                Ty::Struct(n) => n.clone(),
                _ => return Err(format!("`{seg}` is not an object")),
            },
            _ => return Err(format!("`{seg}` is not an object, so `{}` cannot be resolved", wire)),
        };
    }
    Err("the path is empty".into())
}

/// Walks `wire` from the request type `root`. When the path enters the mode union (a field
/// of that type, a flattened field of it whose keys sit in the object, or the request itself
/// when it is that union), the rest is resolved in `variant`'s payload.
pub(super) fn request_path(
    m: &[TypeDef],
    root: &str,
    mode_union: Option<&str>,
    variant: Option<&str>,
    wire: &str,
) -> Result<Var, String> {
    let payload_of = |u: &str| -> Result<String, String> {
        let Some(variant) = variant else {
            return Err(format!("`{wire}` needs a mode to resolve"));
        };
        let Some(TypeDef::Union(un)) = m.ty(u) else {
            return Err(format!("`{u}` is not a union"));
        };
        let v = un.variants.iter().find(|v| v.tag == variant).ok_or_else(|| format!("unknown mode {variant}"))?;
        v.payload.clone().ok_or_else(|| format!("mode {variant} has no fields"))
    };
    let mut current = root.to_owned();
    let mut steps = Vec::new();
    let mut from_variant = false;
    if m.union_def(root).is_some() {
        if Some(root) != mode_union {
            return Err(format!("the request {root} is a union other than the mode union"));
        }
        current = payload_of(root)?;
        from_variant = true;
    }
    let segments: Vec<&str> = wire.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let Some(s) = m.struct_def(&current) else {
            return Err(format!("`{}` is not an object", segments[..i].join(".")));
        };
        let own = s.fields.iter().find(|f| f.wire == *seg && !f.flatten);
        // A key of the flattened mode union: a field of the mode's payload.
        let flattened = || {
            s.fields.iter().find_map(|f| match &f.ty {
                Ty::Union(u) if f.flatten && Some(u.as_str()) == mode_union => Some(u.clone()),
                _ => None,
            })
        };
        let f = match (own, flattened()) {
            (Some(f), _) => f,
            (None, Some(u)) => {
                let payload = payload_of(&u)?;
                let Some(p) = m.struct_def(&payload) else { return Err(format!("`{payload}` is not an object")) };
                let Some(f) = p.fields.iter().find(|f| f.wire == *seg && !f.flatten) else {
                    let known: Vec<&str> = s
                        .fields
                        .iter()
                        .filter(|f| !f.flatten)
                        .chain(p.fields.iter())
                        .map(|f| f.wire.as_str())
                        .collect();
                    return Err(format!("no field `{seg}` in this mode (fields: {})", known.join(", ")));
                };
                steps.clear();
                from_variant = true;
                f
            }
            (None, None) => {
                let known: Vec<&str> = s.fields.iter().filter(|f| !f.flatten).map(|f| f.wire.as_str()).collect();
                return Err(format!("type {current} has no field `{seg}` (fields: {})", known.join(", ")));
            }
        };
        let last = i + 1 == segments.len();
        match &f.ty {
            Ty::Union(u) if !last => {
                if Some(u.as_str()) != mode_union {
                    return Err(format!("`{seg}` is a union other than the mode union; its fields cannot be named"));
                }
                current = payload_of(u)?;
                steps.clear();
                from_variant = true;
            }
            Ty::Struct(n) if !last => {
                steps.push((f.rust.clone(), !f.required));
                current = n.clone();
            }
            ty if last => {
                steps.push((f.rust.clone(), !f.required));
                return Ok(Var::Field { wire: wire.to_owned(), from_variant, steps, ty: ty.clone() });
            }
            _ => return Err(format!("`{seg}` is not an object, so `{wire}` cannot be resolved")),
        }
    }
    Err("the path is empty".into())
}
