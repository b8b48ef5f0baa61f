//! Building request bodies from the generated type builders.
//!
//! Every version crate's `types::builder::X` converts into `types::X` with
//! `try_into()`; when it cannot, the error is a [`ConversionError`] that
//! names every missing or invalid field at once, each by its path from the
//! value being built (`items[1].logistics_sku: no value supplied`): a nested
//! builder's problems keep their own path under the field that holds it.
//!
//! The generated setters of list fields whose elements have a builder take
//! anything that is [`IntoList`]: a `Vec` or an array of values, of
//! builders, or of anything else that converts into an element, so
//! `.items(vec![item_builder])` and `.items([item_a, item_b])` both compile.
//! The setters of single object fields take the value or its builder, with
//! or without `Some` for an optional one (`.dimensions(dimensions_builder)`).
//!
//! `?` turns a [`ConversionError`] into [`crate::Error::InvalidRequest`]:
//! the request was never sent, so the error's `may_have_acted()` is false.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;

/// The reason of a required field that was never set.
pub const MISSING: &str = "no value supplied";

/// Why a value could not be built: every missing or invalid field, each with
/// its path from the value converted.
///
/// `Display` shows each [`FieldProblem`] as `path: reason`, joined by `; `,
/// in the order of the fields in the type (a field's own problems before
/// the next field's); a problem of the value itself (such as a string
/// longer than its type allows) shows its reason alone.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConversionError {
    problems: Vec<FieldProblem>,
}

/// One missing or invalid field of a [`ConversionError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    path: String,
    reason: Cow<'static, str>,
}

impl FieldProblem {
    /// The field's path from the converted value: field names (as the
    /// builder's setters spell them) joined by `.`, list positions as `[i]`;
    /// empty for the value itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong with it, such as [`MISSING`].
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

impl ConversionError {
    /// A required field that was never set (its path is added by the
    /// conversion that finds it).
    pub fn missing() -> Self {
        Self::from(MISSING)
    }

    /// The problems, in the order `Display` shows them.
    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    /// Whether there is no problem at all (a conversion never returns such
    /// an error; the generated code gathers into one and checks).
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds `other`'s problems, each under the field `field`. Called by the
    /// generated conversions, once per field that holds an error.
    #[doc(hidden)]
    pub fn push_field(&mut self, field: &str, other: &ConversionError) {
        for problem in &other.problems {
            let path = match problem.path.as_str() {
                "" => field.to_owned(),
                index if index.starts_with('[') => format!("{field}{index}"),
                nested => format!("{field}.{nested}"),
            };
            self.problems.push(FieldProblem {
                path,
                reason: problem.reason.clone(),
            });
        }
    }

    /// Every problem of `fields` (each a field's name and its error, if it
    /// has one), or `Ok` if none has any. Called by the generated
    /// conversions before they build the value.
    #[doc(hidden)]
    pub fn of_fields<const N: usize>(
        fields: [(&str, Option<&ConversionError>); N],
    ) -> Result<(), ConversionError> {
        let mut errors = ConversionError::default();
        for (field, error) in fields {
            if let Some(error) = error {
                errors.push_field(field, error);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A scalar field's conversion error: its text becomes the reason.
    #[doc(hidden)]
    pub fn invalid(error: impl fmt::Display) -> Self {
        Self::from(error.to_string())
    }

    fn push_index(&mut self, index: usize, other: ConversionError) {
        for problem in other.problems {
            let path = match problem.path.as_str() {
                "" => format!("[{index}]"),
                index_too if index_too.starts_with('[') => format!("[{index}]{index_too}"),
                nested => format!("[{index}].{nested}"),
            };
            self.problems.push(FieldProblem {
                path,
                reason: problem.reason,
            });
        }
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(problem, f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConversionError")
            .field(&self.to_string())
            .finish()
    }
}

impl std::error::Error for ConversionError {}

impl From<&'static str> for ConversionError {
    fn from(reason: &'static str) -> Self {
        Self {
            problems: vec![FieldProblem {
                path: String::new(),
                reason: Cow::Borrowed(reason),
            }],
        }
    }
}

impl From<String> for ConversionError {
    fn from(reason: String) -> Self {
        Self {
            problems: vec![FieldProblem {
                path: String::new(),
                reason: Cow::Owned(reason),
            }],
        }
    }
}

/// A conversion that cannot fail (a value given where its own type is
/// expected) never produces a problem.
impl From<Infallible> for ConversionError {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// `?` on a builder's `try_into()` in a function returning
/// [`crate::Error`]: nothing was sent.
impl From<ConversionError> for crate::Error {
    fn from(error: ConversionError) -> Self {
        crate::Error::InvalidRequest(error.to_string())
    }
}

/// What a list field's setter takes: a `Vec`, an array or a slice of
/// anything that converts into an element (the element itself, its builder,
/// a reference to it), and, for an optional list, `Some` or `None` of a
/// `Vec`. Every element that fails is named by its position
/// (`[1].logistics_sku: no value supplied`).
pub trait IntoList<L> {
    /// The list, or every problem of its elements.
    fn into_list(self) -> Result<L, ConversionError>;
}

fn collect<T, V>(values: impl IntoIterator<Item = V>) -> Result<Vec<T>, ConversionError>
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    let mut list = Vec::new();
    let mut errors = ConversionError::default();
    for (index, value) in values.into_iter().enumerate() {
        match value.try_into() {
            Ok(element) => list.push(element),
            Err(error) => errors.push_index(index, error.into()),
        }
    }
    if errors.is_empty() {
        Ok(list)
    } else {
        Err(errors)
    }
}

impl<T, V> IntoList<Vec<T>> for Vec<V>
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Vec<T>, ConversionError> {
        collect(self)
    }
}

impl<T, V, const N: usize> IntoList<Vec<T>> for [V; N]
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Vec<T>, ConversionError> {
        collect(self)
    }
}

impl<T, V> IntoList<Vec<T>> for &[V]
where
    V: Clone + TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Vec<T>, ConversionError> {
        collect(self.iter().cloned())
    }
}

impl<T, V> IntoList<Option<Vec<T>>> for Vec<V>
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Option<Vec<T>>, ConversionError> {
        collect(self).map(Some)
    }
}

impl<T, V, const N: usize> IntoList<Option<Vec<T>>> for [V; N]
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Option<Vec<T>>, ConversionError> {
        collect(self).map(Some)
    }
}

impl<T, V> IntoList<Option<Vec<T>>> for Option<Vec<V>>
where
    V: TryInto<T>,
    V::Error: Into<ConversionError>,
{
    fn into_list(self) -> Result<Option<Vec<T>>, ConversionError> {
        self.map(collect).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a generated builder: converts when `name` is set.
    #[derive(Clone)]
    struct Item {
        name: Option<&'static str>,
    }

    impl TryFrom<Item> for String {
        type Error = ConversionError;
        fn try_from(item: Item) -> Result<String, ConversionError> {
            let mut errors = ConversionError::default();
            let Some(name) = item.name else {
                errors.push_field("name", &ConversionError::missing());
                return Err(errors);
            };
            Ok(name.to_owned())
        }
    }

    #[test]
    fn every_failed_element_is_named_by_its_position() {
        let list: Result<Vec<String>, _> = vec![
            Item { name: Some("a") },
            Item { name: None },
            Item { name: None },
        ]
        .into_list();
        let mut outer = ConversionError::default();
        outer.push_field("items", &list.unwrap_err());
        assert_eq!(
            outer.to_string(),
            "items[1].name: no value supplied; items[2].name: no value supplied"
        );
        let paths: Vec<&str> = outer.problems().iter().map(FieldProblem::path).collect();
        assert_eq!(paths, ["items[1].name", "items[2].name"]);
    }

    #[test]
    fn lists_of_values_of_builders_and_optional_lists_convert() {
        let values: Vec<String> = ["a".to_owned(), "b".to_owned()].into_list().unwrap();
        assert_eq!(values, ["a", "b"]);
        let built: Vec<String> = [Item { name: Some("c") }].into_list().unwrap();
        assert_eq!(built, ["c"]);
        let optional: Option<Vec<String>> = vec![Item { name: Some("d") }].into_list().unwrap();
        assert_eq!(optional, Some(vec!["d".to_owned()]));
        let none: Option<Vec<String>> = None::<Vec<String>>.into_list().unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn a_problem_of_the_value_itself_shows_its_reason_alone_and_is_an_invalid_request() {
        let error = ConversionError::from("longer than 255 characters");
        assert_eq!(error.to_string(), "longer than 255 characters");
        let error = crate::Error::from(error);
        assert!(matches!(error, crate::Error::InvalidRequest(_)));
        assert!(!error.may_have_acted());
    }
}
