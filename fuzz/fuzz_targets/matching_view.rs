//! The matching view of arbitrary UTF-8: every view span maps back onto
//! character boundaries of the original, inside it, and the map is monotone
//! (the proptests of src/normalize/, with the fuzzer's inputs); then the
//! whole detector with the shipped lexicons runs on the text.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tocsin::normalize::MatchingView;

fn check(view: &MatchingView<'_>) {
    let o = view.original();
    let text = view.text();
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let mut last = 0;
    for &i in &bounds {
        let at = view.origin(i);
        assert!(at <= o.len() && o.is_char_boundary(at), "origin({i}) = {at} not a boundary of {o:?}");
        assert!(at >= last, "map not monotone at view byte {i}: {at} < {last} in {o:?}");
        last = at;
    }
    // All spans on short views, spans of up to 8 characters on long ones (bounded time per input).
    let reach = if bounds.len() <= 64 { bounds.len() } else { 8 };
    for (k, &i) in bounds.iter().enumerate() {
        for &j in bounds.iter().skip(k).take(reach) {
            let (a, b) = view.to_original(i, j);
            assert!(a <= b && b <= o.len(), "span {i}..{j} -> {a}..{b} out of {}", o.len());
            assert!(o.is_char_boundary(a) && o.is_char_boundary(b), "span {i}..{j} -> {a}..{b} not on boundaries of {o:?}");
        }
    }
}

fn detector() -> &'static tocsin::detect::Detector {
    static D: OnceLock<tocsin::detect::Detector> = OnceLock::new();
    D.get_or_init(|| {
        let lexicons = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lexicons");
        let set = tocsin::lexicon::load_lexicons(&[lexicons]).expect("shipped lexicons load");
        tocsin::detect::Detector::new(set, Default::default()).expect("detector")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let plain = MatchingView::plain(s);
    check(&plain);
    if let Some(agg) = MatchingView::aggressive(&plain) {
        check(&agg);
    }
    let _ = MatchingView::aggressive_term(s);
    for lang in [None, Some("en"), Some("fr"), Some("ar")] {
        for signal in detector().detect(s, lang) {
            let (a, b) = (signal.span.0, signal.span.1);
            assert!(a <= b && b <= s.len() && s.is_char_boundary(a) && s.is_char_boundary(b), "signal span {a}..{b} in {s:?}");
        }
    }
});
