//! Builder conversions that name every missing or invalid field at once.
//!
//! typify writes each type builder's `TryFrom<builder::X> for X` as
//! `Ok(Self { a: value.a?, b: value.b?, .. })`, so a builder missing two
//! required fields reports only the first ("no value supplied for a"), and
//! the caller finds the second on the next run. This step, run on the
//! generated syn tree (after [`crate::composing_builders`] made every field
//! hold a `flexport_runtime::build::ConversionError`), puts a check before
//! that `Ok`: it gathers the problems of every field that has any, each
//! under the field's name (`a: no value supplied; b.c: no value supplied`
//! for a nested builder's field `c`), and returns them in one error. A
//! builder whose fields are all set converts as before.

use syn::{Expr, ImplItem, Item, Member, Stmt, parse_quote};

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "all-missing-fields";

/// Rewrites every builder conversion of `file`; returns how many it changed.
pub fn report_all_missing_fields(file: &mut syn::File) -> usize {
    rewrite_items(&mut file.items)
}

fn rewrite_items(items: &mut [Item]) -> usize {
    let mut changed = 0;
    for item in items {
        match item {
            Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    changed += rewrite_items(items);
                }
            }
            Item::Impl(block) if is_try_from(block) => {
                for impl_item in &mut block.items {
                    if let ImplItem::Fn(function) = impl_item {
                        changed += usize::from(rewrite_body(&mut function.block));
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

fn is_try_from(block: &syn::ItemImpl) -> bool {
    block.trait_.as_ref().is_some_and(|(path, _)| {
        path.segments
            .last()
            .is_some_and(|segment| segment.ident == "TryFrom")
    })
}

/// The fields of `Ok(Self { f: value.f?, .. })`, if the body is just that.
fn builder_fields(block: &syn::Block) -> Option<Vec<syn::Ident>> {
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(function) = call.func.as_ref() else {
        return None;
    };
    if !function.path.is_ident("Ok") || call.args.len() != 1 {
        return None;
    }
    let Expr::Struct(construct) = &call.args[0] else {
        return None;
    };
    if !construct.path.is_ident("Self") || construct.rest.is_some() {
        return None;
    }
    let mut fields = Vec::new();
    for field in &construct.fields {
        let Member::Named(name) = &field.member else {
            return None;
        };
        let Expr::Try(attempt) = &field.expr else {
            return None;
        };
        let Expr::Field(access) = attempt.expr.as_ref() else {
            return None;
        };
        let is_value = matches!(access.base.as_ref(), Expr::Path(p) if p.path.is_ident("value"));
        if !is_value || access.member != field.member {
            return None;
        }
        fields.push(name.clone());
    }
    (!fields.is_empty()).then_some(fields)
}

fn rewrite_body(block: &mut syn::Block) -> bool {
    let Some(fields) = builder_fields(block) else {
        return false;
    };
    let names: Vec<String> = fields
        .iter()
        .map(|field| field.to_string().trim_start_matches("r#").to_owned())
        .collect();
    let check: Stmt = parse_quote! {
        super::error::ConversionError::of_fields([
            #((#names, value.#fields.as_ref().err())),*
        ])?;
    };
    block.stmts.insert(0, check);
    true
}
