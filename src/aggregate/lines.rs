//! The fast way through a JSON Lines record that is a plain answer sheet (as `smedx simulate`, the
//! web form's export and most scripts write them): the line is read straight into borrowed parts
//! (no value tree, no copy of its text), each way an item is answered is checked once by the exact
//! check and remembered, and the sheet is scored by the engine's numeric core
//! ([`crate::score::evaluate_counted`]). A record this path cannot vouch for (a long-form answer, a
//! profile field it does not read, anything wrong) gets `None` and goes the exact way
//! ([`super::input::parse`]), so what is reported about a bad record does not change.

use super::input::{Record, constrained_short_into, date_key};
use crate::answers::reference::{Metrics, Sector, reference};
use crate::answers::{ProfileField, credit_code, normalise_industry, profile_field};
use crate::model::{ItemSpec, Model, SizeClass, set_fraction};
use crate::score::{Counted, evaluate_flat_into};
use crate::yaml_value::PlainNode;
use rustc_hash::FxHashMap;
use std::sync::Mutex;

/// Ways of answering one item remembered at most (numbers with decimals are many); past this the
/// check runs for each record.
const REMEMBERED: usize = 1 << 14;

/// Places per item for short answers looked up without hashing: an item is answered in a few
/// ways, mostly.
const DIRECT_BITS: u32 = 6;
const DIRECT: usize = 1 << DIRECT_BITS;

/// Options of a multiple-choice item whose every set is kept in two bits (16: 16 KB an item).
const SMALL_SET: usize = 16;

/// Sets of options of one multiple-choice item remembered at most (a 15-option item has 32,768).
const REMEMBERED_SETS: usize = 1 << 16;

/// A cursor over one line of JSON. It reads only the plain shapes a sheet is written in and gives
/// up (`None`) on anything else: an escape in a string, a nested value where none is expected, a
/// syntax error. Giving up sends the record the exact way, which reports what is wrong.
struct Scan<'a> {
    text: &'a [u8],
    at: usize,
}

/// A text read from a line as `str`: the line as a whole is not checked for UTF-8 (most of its
/// bytes are keys compared with the model's, or answers found in a table of answers checked
/// before), so each text kept or checked as text is, here.
fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

impl<'a> Scan<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes().get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// A string without escapes or control characters, without its quotes (its bytes: see
    /// [`utf8`]).
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes().get(start..)?;
        let n = string_end(rest)?;
        self.at = start + n + 1;
        self.text.get(start..start + n)
    }

    /// A string as text (checked for UTF-8: see [`utf8`]).
    fn text(&mut self) -> Option<&'a str> {
        self.string().and_then(utf8)
    }

    /// The bytes `key` (a quoted key and its colon, as [`LineReader`] keeps them), when they are
    /// what comes next: a line that lists its keys as the line before did is read without
    /// scanning them.
    fn expected_key(&mut self, key: &[u8]) -> bool {
        self.space();
        let found = (self.bytes().get(self.at..self.at + key.len())).is_some_and(|b| same(b, key));
        if found {
            self.at += key.len();
        }
        found
    }

    /// The bytes `lit` exactly, when they are what comes next (white space included).
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        let found = self.bytes().get(self.at..self.at + lit.len())?;
        same(found, lit).then(|| self.at += lit.len())
    }

    /// The text of a number (its syntax is checked by whoever reads it).
    fn number(&mut self) -> Option<&'a [u8]> {
        self.space();
        let start = self.at;
        while let Some(c) = self.bytes().get(self.at)
            && (c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        (self.at > start).then(|| &self.text[start..self.at])
    }

    fn word(&mut self, word: &str) -> bool {
        self.space();
        let found = self
            .bytes()
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()));
        if found {
            self.at += word.len();
        }
        found
    }

    /// After a member of an object or list: `Some(true)` after a comma, `Some(false)` at `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.at += 1;
                Some(true)
            }
            c if c == close => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// `null` as `None`, else `f`'s reading of the value.
    fn or_null<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.word("null") {
            Some(None)
        } else {
            f(self).map(Some)
        }
    }

    /// A JSON number as serde_json reads it (the exact way reads with the same parser).
    fn float(&mut self) -> Option<f64> {
        let n = self.number()?;
        plain_number(n).or_else(|| serde_json::from_slice::<f64>(n).ok())
    }

    /// An answer as written: a string, a number, `true`/`false` or a list (to its first `]`), as
    /// its JSON text. Anything else (`null`, the long form) gives up.
    fn answer(&mut self) -> Option<&'a [u8]> {
        let start = match self.peek()? {
            b'"' => {
                let start = self.at;
                self.string()?;
                start
            }
            // A list as far as its first `]`: what it holds is checked by whoever reads it (a
            // list of options by `option_set`, anything else by the exact check). A `]` inside
            // a string, or a nested list, ends it early, and what follows is no `,` or `}`.
            b'[' => {
                let start = self.at;
                self.at = start + byte_at(&self.text[start..], b']')? + 1;
                start
            }
            b't' | b'f' => {
                let start = self.at;
                (self.word("true") || self.word("false")).then_some(start)?
            }
            b'-' | b'0'..=b'9' => return self.number(),
            _ => return None,
        };
        self.text.get(start..self.at)
    }

    /// An object's members: `f` reads the value of each key. An empty object is allowed.
    fn object(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            f(self, key)?;
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }
}

/// Two texts of one length compared eight bytes at a time (keys are 5 to 30 bytes: a call to
/// `memcmp` costs more than the comparison).
fn same(a: &[u8], b: &[u8]) -> bool {
    let word = |c: &[u8]| c.try_into().map_or(0, u64::from_ne_bytes);
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    // The last eight bytes overlap the words before them.
    word(&a[n - 8..]) == word(&b[n - 8..])
        && (a.chunks_exact(8).zip(b.chunks_exact(8))).all(|(x, y)| word(x) == word(y))
}

/// The place of the first `byte` in `rest`, eight bytes at a time.
fn byte_at(rest: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(word) = rest.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().ok()?) ^ (ONES * u64::from(byte));
        let hit = w.wrapping_sub(ONES) & !w & HIGH;
        if hit != 0 {
            return Some(at + (hit.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    rest[at..].iter().position(|&c| c == byte).map(|n| at + n)
}

/// Where a string's text ends: the place of its closing quote, or `None` at an escape, a control
/// character or the end of the line (those go the exact way). Eight bytes at a time: the strings of
/// a sheet are most of its bytes.
fn string_end(rest: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` that is zero sets its high bit here (and no false positive below the first).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut at = 0;
    while let Some(word) = rest.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().ok()?);
        // A quote, a backslash, or a byte below 0x20 (its top three bits clear).
        let hit = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | zero(w & (ONES * 0xE0));
        if hit != 0 {
            at += (hit.trailing_zeros() / 8) as usize;
            return (rest[at] == b'"').then_some(at);
        }
        at += 8;
    }
    let n = at
        + rest[at..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    (rest[n] == b'"').then_some(n)
}

/// A number written plainly (`567`, `53762.0`: digits, at most one point, at most 15 digits in
/// all, no sign or exponent), read without serde_json's reader, to the same value: the digits
/// make a whole number below 2^53, exact as `f64`, and one division by a power of ten that is
/// exact too gives the nearest `f64`, as serde_json's reading of the same digits does. Anything
/// else is `None` (and read by serde_json).
fn plain_number(text: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (whole, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(p) => (&text[..p], Some(&text[p + 1..])),
        None => (text, None),
    };
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    // JSON allows no leading zero (`012`) and no bare point (`1.`).
    if !digits(whole) || (whole.len() > 1 && whole[0] == b'0') || !fraction.is_none_or(digits) {
        return None;
    }
    let places = fraction.map_or(0, <[u8]>::len);
    if whole.len() + places > 15 {
        return None;
    }
    let n = (whole.iter().chain(fraction.unwrap_or_default()))
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    Some(n as f64 / POW10[places])
}

/// A text field as the exact check keeps it, when that is the text as written: trimmed text is
/// kept as is; blank or padded text goes the exact way.
fn plain(s: &str) -> Option<&str> {
    (!s.is_empty() && s.trim().len() == s.len()).then_some(s)
}

/// A number field checked as the profile check does (a whole number where the table says so, not
/// below its minimum); `None` when that check would report it.
fn number(field: Option<&ProfileField>, n: Option<f64>) -> Option<Option<f64>> {
    let Some(n) = n else { return Some(None) };
    let field = field?;
    if field.whole && n.fract() != 0.0 {
        return None;
    }
    field.min.is_none_or(|m| n >= m).then_some(Some(n))
}

/// A short text (1–8 bytes) as a number: JSON text holds no NUL byte, so no two texts share one.
pub(super) fn short_key(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut key = [0u8; 8];
    key[..b.len()].copy_from_slice(b);
    Some(u64::from_le_bytes(key))
}

/// [`short_key`] of `line[start..end]`, read as one word when the line goes on that far.
fn short_key_at(line: &[u8], start: usize, end: usize) -> Option<u64> {
    let n = end.checked_sub(start)?;
    if n == 0 || n > 8 {
        return None;
    }
    match line.get(start..start + 8) {
        Some(word) => {
            let word = u64::from_le_bytes(word.try_into().ok()?);
            Some(word & (u64::MAX >> (64 - 8 * n)))
        }
        None => {
            let mut key = [0u8; 8];
            key[..n].copy_from_slice(line.get(start..end)?);
            Some(u64::from_le_bytes(key))
        }
    }
}

fn set_text(slot: &mut String, text: &str) {
    slot.clear();
    slot.push_str(text);
}

fn set_optional(slot: &mut Option<String>, text: Option<&str>) {
    match (slot.as_mut(), text) {
        (Some(s), Some(t)) => set_text(s, t),
        (_, t) => *slot = t.map(str::to_string),
    }
}

/// An industry code as written, normalised, with what follows from it.
struct Industry<'m> {
    code: String,
    group: &'m str,
    sector: Option<&'static Sector>,
}

/// The profile of a line as read, borrowed from it.
#[derive(Default)]
struct Profile<'a> {
    name: Option<&'a str>,
    credit_code: Option<&'a str>,
    region: Option<&'a str>,
    industry: Option<&'a str>,
    metrics: [Option<f64>; 3],
    assessed_on: Option<&'a str>,
    synthetic: Option<bool>,
    /// Tags are rare: their place in the line, read again when there are some.
    tags: Option<(usize, usize)>,
}

/// What a value of a line is: an answer to an item, a profile field (by its place in
/// [`LineReader::profile`]'s keys), or the model named.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Answer(usize),
    Field(usize),
    Model,
}

/// How the lines read so far are laid out: the bytes between their values, and what each value
/// is, as a tree (lines that start alike share a branch). Learnt from each line the cursor reads;
/// a line laid out as one before it is read by it ([`LineReader::by_layout`]).
struct Layouts {
    /// The bytes before each value (or the bytes after the last one), one after the other.
    bytes: Vec<u8>,
    /// Node 0 is the root; every other is the bytes before a value and what the value is (`None`:
    /// the end of the line), with its first child and its next sibling (0: none).
    nodes: Vec<LayoutNode>,
}

#[derive(Clone, Copy)]
struct LayoutNode {
    bytes: (u32, u32),
    target: Option<Target>,
    child: u32,
    next: u32,
}

/// Nodes and bytes of [`Layouts`] at most (a file written by one program has a few layouts), and
/// children of one node: a line is matched against at most this many at each value, so lines laid
/// out in ever new ways cost no more than a few comparisons each.
const LAYOUT_NODES: usize = 1 << 14;
const LAYOUT_BYTES: usize = 1 << 20;
const LAYOUT_BRANCHES: usize = 8;

impl Layouts {
    fn new() -> Layouts {
        let root = LayoutNode {
            bytes: (0, 0),
            target: None,
            child: 0,
            next: 0,
        };
        Layouts {
            bytes: Vec::new(),
            nodes: vec![root],
        }
    }

    fn bytes(&self, n: &LayoutNode) -> &[u8] {
        &self.bytes[n.bytes.0 as usize..n.bytes.1 as usize]
    }

    /// The child of `node` whose bytes come next in `s` (`s` moved past them).
    fn next(&self, node: usize, s: &mut Scan) -> Option<usize> {
        let mut c = self.nodes[node].child as usize;
        while c != 0 {
            let n = &self.nodes[c];
            if s.literal(self.bytes(n)).is_some() {
                return Some(c);
            }
            c = n.next as usize;
        }
        None
    }

    /// Learn the layout of `text`, whose values are at `placed` (in the order of the line).
    fn learn(&mut self, text: &[u8], placed: &[(usize, usize, Target)]) {
        let (mut node, mut end) = (0usize, 0usize);
        let steps = placed
            .iter()
            .map(|&(start, stop, t)| (start, stop, Some(t)));
        for (start, stop, target) in steps.chain([(text.len(), text.len(), None)]) {
            let lit = &text[end..start];
            end = stop;
            let mut c = self.nodes[node].child;
            let (mut last, mut siblings) = (0, 0);
            while c != 0 {
                let n = &self.nodes[c as usize];
                if self.bytes(n) == lit && n.target == target {
                    break;
                }
                last = c;
                siblings += 1;
                c = n.next;
            }
            if c == 0 {
                let full = self.nodes.len() >= LAYOUT_NODES
                    || self.bytes.len() + lit.len() > LAYOUT_BYTES
                    || siblings >= LAYOUT_BRANCHES;
                if full {
                    return;
                }
                let from = self.bytes.len() as u32;
                self.bytes.extend_from_slice(lit);
                c = self.nodes.len() as u32;
                self.nodes.push(LayoutNode {
                    bytes: (from, self.bytes.len() as u32),
                    target,
                    child: 0,
                    next: 0,
                });
                match last {
                    0 => self.nodes[node].child = c,
                    l => self.nodes[l as usize].next = c,
                }
            }
            node = c as usize;
        }
    }
}

/// A multiple-choice item of at most [`SMALL_SET`] options: its options' fractions, its cap, and
/// the check's verdict on each set of them (two bits a set).
struct SmallSets {
    fractions: Vec<f64>,
    cap: f64,
    taken: Vec<u8>,
}

/// What one worker remembers between records. Reused through a [`Pool`], so what it learns is
/// learned once per run, not once per chunk.
pub struct LineReader<'m> {
    model: &'m Model,
    index: FxHashMap<&'m str, usize>,
    /// Per item, [`DIRECT`] places: the last short answer whose hash led there, with how it
    /// counts (a key of 0 is no answer).
    direct: Vec<(u64, Option<Counted>)>,
    /// Per item: a short answer (as [`short_key`]) → how it counts (`None`: the check reports it).
    short: Vec<FxHashMap<u64, Option<Counted>>>,
    /// Per item: a longer answer's JSON text → how it counts.
    answers: Vec<FxHashMap<Box<str>, Option<Counted>>>,
    /// Per multiple-choice item: its option ids (at most 64), and a set of them → how it counts.
    options: Vec<Vec<&'m str>>,
    /// Per multiple-choice item whose option ids are one character each: byte → option + 1.
    option_bytes: Vec<Option<Box<[u8; 256]>>>,
    sets: Vec<FxHashMap<u64, Option<Counted>>>,
    /// Per multiple-choice item of at most [`SMALL_SET`] options: the options' fractions, its
    /// cap, and which sets of them the check has taken (so a set counts by [`set_fraction`]
    /// without a lookup in a large table).
    small_sets: Vec<Option<SmallSets>>,
    industries: FxHashMap<Box<str>, usize>,
    industry_list: Vec<Option<Industry<'m>>>,
    /// Per two-digit province code: 0 not looked up, 1 known, 2 unknown.
    provinces: [u8; 100],
    /// The last date read, with its key.
    last_date: (String, u32),
    fields: [Option<&'static ProfileField>; 3],
    counted: Vec<Option<Counted>>,
    /// Per item: its key as written in a line, with its quotes and colon (`"hr":`).
    keys: Vec<Box<[u8]>>,
    /// Per item: must it be answered (where it applies)?
    required: Vec<bool>,
    seen: Vec<bool>,
    /// The items of the line being read, in the order written: (item, start, end of the answer).
    written: Vec<(usize, usize, usize)>,
    /// The items of the previous line in the order written: most lines list them alike, so a key
    /// is compared with one id instead of being hashed.
    order: Vec<usize>,
    /// Where the values of the line read by the cursor are: (start, end, what).
    placed: Vec<(usize, usize, Target)>,
    layouts: Layouts,
}

impl<'m> LineReader<'m> {
    pub fn new(model: &'m Model) -> LineReader<'m> {
        let n = model.items.len();
        LineReader {
            model,
            index: model
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| (item.id.as_str(), i))
                .collect(),
            direct: vec![(0, None); n * DIRECT],
            short: vec![FxHashMap::default(); n],
            answers: vec![FxHashMap::default(); n],
            options: model
                .items
                .iter()
                .map(|item| match &item.spec {
                    ItemSpec::Multi { options, .. } if options.len() <= 64 => {
                        options.iter().map(|o| o.id.as_str()).collect()
                    }
                    _ => Vec::new(),
                })
                .collect(),
            option_bytes: model
                .items
                .iter()
                .map(|item| match &item.spec {
                    ItemSpec::Multi { options, .. }
                        if options.len() < 64
                            && options
                                .iter()
                                .all(|o| o.id.len() == 1 && o.id.as_bytes()[0] != b'"') =>
                    {
                        let mut table = Box::new([0u8; 256]);
                        for (k, o) in options.iter().enumerate() {
                            table[usize::from(o.id.as_bytes()[0])] = k as u8 + 1;
                        }
                        Some(table)
                    }
                    _ => None,
                })
                .collect(),
            sets: vec![FxHashMap::default(); n],
            small_sets: (model.items.iter())
                .map(|item| match &item.spec {
                    ItemSpec::Multi { options, cap } if options.len() <= SMALL_SET => {
                        Some(SmallSets {
                            fractions: options.iter().map(|o| o.fraction).collect(),
                            cap: *cap,
                            taken: vec![0; (1 << options.len()) / 4 + 1],
                        })
                    }
                    _ => None,
                })
                .collect(),
            industries: FxHashMap::default(),
            industry_list: vec![None],
            provinces: [0; 100],
            last_date: (String::new(), 0),
            fields: ["employees", "revenue", "assets"].map(profile_field),
            counted: vec![None; n],
            required: model.items.iter().map(|item| item.required).collect(),
            keys: (model.items.iter())
                .map(|item| format!("\"{}\":", item.id).into_bytes().into_boxed_slice())
                .collect(),
            seen: vec![false; n],
            written: Vec::with_capacity(n),
            order: Vec::with_capacity(n),
            placed: Vec::new(),
            layouts: Layouts::new(),
        }
    }

    /// An industry code, normalised, as a place in `industry_list` (`None`: not a code). Place 0
    /// is kept for a code read once past the limit of codes remembered.
    fn industry(&mut self, code: &str) -> Option<usize> {
        let k = match self.industries.get(code) {
            Some(&k) => k,
            None => {
                let model = self.model;
                let found = normalise_industry(code).ok().map(|normal| Industry {
                    group: model.industry_group_of(Some(&normal)),
                    sector: reference().sector_of(&normal),
                    code: normal,
                });
                if self.industries.len() < REMEMBERED {
                    self.industry_list.push(found);
                    let k = self.industry_list.len() - 1;
                    self.industries.insert(code.into(), k);
                    k
                } else {
                    self.industry_list[0] = found;
                    0
                }
            }
        };
        self.industry_list[k].is_some().then_some(k)
    }

    fn province_known(&mut self, code: &str) -> bool {
        let b = code.as_bytes();
        let k = usize::from(b[0] - b'0') * 10 + usize::from(b[1] - b'0');
        if self.provinces[k] == 0 {
            self.provinces[k] = if reference().province(code).is_some() {
                1
            } else {
                2
            };
        }
        self.provinces[k] == 1
    }

    /// The exact check of answer `text` (JSON) to item `i`.
    fn check(&self, i: usize, text: &str) -> Option<Counted> {
        let item = &self.model.items[i];
        serde_json::from_str::<PlainNode>(text)
            .ok()
            .and_then(|node| crate::answers::check::check_plain(item, &node.0))
            .map(|v| Counted::of(item, &v))
    }

    /// The options of a list written plainly (`["B","C"]`: no spaces, each a distinct option of
    /// item `i`) as a set; `None` for any other list, which is remembered by its text.
    fn option_set(&self, i: usize, text: &[u8]) -> Option<u64> {
        if let Some(table) = &self.option_bytes[i] {
            // `["B","C"]`: five bytes an option, the last followed by `]` instead of `,`.
            let b = text;
            if b.len() % 4 != 1 || b[0] != b'[' {
                return None;
            }
            let mut set = 0u64;
            for part in b[1..].chunks_exact(4) {
                let k = table[usize::from(part[1])];
                if part[0] != b'"' || part[2] != b'"' || k == 0 || set & (1 << (k - 1)) != 0 {
                    return None;
                }
                set |= 1 << (k - 1);
            }
            return (b[b.len() - 1] == b']'
                && b[4..b.len() - 1].iter().step_by(4).all(|c| *c == b','))
            .then_some(set);
        }
        let options = &self.options[i];
        if options.is_empty() {
            return None;
        }
        let inner = text.strip_prefix(b"[")?.strip_suffix(b"]")?;
        let mut set = 0u64;
        for part in inner.split(|b| *b == b',') {
            let id = part.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
            let k = options.iter().position(|o| o.as_bytes() == id)?;
            if set & (1 << k) != 0 {
                return None;
            }
            set |= 1 << k;
        }
        Some(set)
    }

    /// How answer `text` (JSON) to item `i` counts; `None` when the exact check reports a problem.
    /// A multiple-choice answer counts by the set of options chosen (their fractions are summed in
    /// the model's order), so the way it is written does not matter.
    ///
    /// `text` is checked for UTF-8 only when it is checked as an answer: a text found in a table
    /// is the same bytes as one checked before.
    fn counted(&mut self, i: usize, text: &[u8], key: Option<u64>) -> Option<Counted> {
        if let Some(key) = key {
            // A short answer is looked up first where the last one of its hash went.
            let at = i * DIRECT
                + (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - DIRECT_BITS)) as usize;
            if self.direct[at].0 == key {
                return self.direct[at].1;
            }
            let found = match self.short[i].get(&key) {
                Some(known) => *known,
                None => {
                    let found = self.check(i, utf8(text)?);
                    if self.short[i].len() < REMEMBERED {
                        self.short[i].insert(key, found);
                    }
                    found
                }
            };
            self.direct[at] = (key, found);
            return found;
        }
        if let Some(set) = self.option_set(i, text) {
            if self.small_sets[i].is_some() {
                // Two bits a set: 0 not checked yet, 1 taken, 2 refused by the check.
                let (byte, shift) = ((set >> 2) as usize, (set & 3) * 2);
                let taken = |r: &Self| {
                    r.small_sets[i]
                        .as_ref()
                        .map_or(0, |s| s.taken[byte] >> shift & 3)
                };
                let mut state = taken(self);
                if state == 0 {
                    state = if self.check(i, utf8(text)?).is_some() {
                        1
                    } else {
                        2
                    };
                    if let Some(sets) = &mut self.small_sets[i] {
                        sets.taken[byte] |= state << shift;
                    }
                }
                return (self.small_sets[i].as_ref().filter(|_| state == 1)).map(|sets| {
                    Counted::Share {
                        fraction: set_fraction(&sets.fractions, sets.cap, set),
                        grade: None,
                    }
                });
            }
            if let Some(known) = self.sets[i].get(&set) {
                return *known;
            }
            let found = self.check(i, utf8(text)?);
            if self.sets[i].len() < REMEMBERED_SETS {
                self.sets[i].insert(set, found);
            }
            return found;
        }
        let text = utf8(text)?;
        if let Some(known) = self.answers[i].get(text) {
            return *known;
        }
        let found = self.check(i, text);
        if self.answers[i].len() < REMEMBERED {
            self.answers[i].insert(text.into(), found);
        }
        found
    }

    /// A record scored, or `None` when the line is not a plain, valid answer sheet.
    pub fn read(&mut self, text: &[u8]) -> Option<Record> {
        let mut out = Record::empty();
        self.read_into(text, &mut out).then_some(out)
    }

    /// The item an answer's key names: most lines list the items in the order of the line before.
    fn item_of(&mut self, key: &[u8], k: usize) -> Option<usize> {
        if let Some(&i) = self.order.get(k)
            && self.model.items[i].id.as_bytes() == key
        {
            return Some(i);
        }
        let i = *self.index.get(utf8(key)?)?;
        match self.order.get_mut(k) {
            Some(slot) => *slot = i,
            None => self.order.push(i),
        }
        Some(i)
    }

    /// The top level of a line: its profile (borrowed) and its answers (into `written`). Where
    /// each value sits is kept (`placed`), and the line's layout learnt from it when it is read.
    fn scan<'a>(&mut self, text: &'a [u8]) -> Option<Profile<'a>> {
        let mut s = Scan { text, at: 0 };
        let mut profile: Option<Profile<'a>> = None;
        let mut answers = false;
        let mut model_named = [false; 2];
        self.written.clear();
        self.seen.fill(false);
        self.placed.clear();
        s.object(|s, key| match key {
            b"profile" if profile.is_none() => {
                profile = Some(Self::profile(s, &mut self.placed)?);
                Some(())
            }
            b"answers" if !answers => {
                answers = true;
                s.eat(b'{')?;
                if s.peek()? == b'}' {
                    s.at += 1;
                    return Some(());
                }
                let mut k = 0;
                loop {
                    // The key the line before had here, else the key read and looked up.
                    let i = match self.order.get(k) {
                        Some(&i) if s.expected_key(&self.keys[i]) => i,
                        _ => {
                            let id = s.string()?;
                            s.eat(b':')?;
                            self.item_of(id, k)?
                        }
                    };
                    k += 1;
                    let start = s.at;
                    Self::answer(s, i, &mut self.written, &mut self.seen)?;
                    self.placed.push((start, s.at, Target::Answer(i)));
                    if !s.more(b'}')? {
                        return Some(());
                    }
                }
            }
            // Named models and versions only give warnings, which aggregation does not show.
            b"model" | b"model_version" => {
                let slot = &mut model_named[usize::from(key == b"model_version")];
                if std::mem::replace(slot, true) {
                    return None;
                }
                let start = s.at;
                Self::model_named(s)?;
                self.placed.push((start, s.at, Target::Model));
                Some(())
            }
            _ => None,
        })?;
        s.space();
        (s.at == text.len() && answers).then_some(())?;
        let profile = profile?;
        self.layouts.learn(text, &self.placed);
        Some(profile)
    }

    /// A line read by the layout of a line the cursor read before ([`Layouts`]): the same bytes
    /// between the values (keys, punctuation, spacing), each value read as [`LineReader::scan`]
    /// reads it. Most lines of a file are written alike, so their keys are compared, not read and
    /// looked up; a line laid out otherwise gets `None` (and is read by the cursor). At each value
    /// the first branch whose bytes come next is taken; a line that then fails goes to the cursor
    /// too, so this never reads a line the cursor would read otherwise.
    fn by_layout<'a>(&mut self, text: &'a [u8]) -> Option<Profile<'a>> {
        let layouts = &self.layouts;
        if layouts.nodes[0].child == 0 {
            return None;
        }
        self.written.clear();
        self.seen.fill(false);
        let mut p = Profile::default();
        let mut s = Scan { text, at: 0 };
        let mut node = 0;
        loop {
            node = layouts.next(node, &mut s)?;
            match layouts.nodes[node].target {
                Some(Target::Answer(i)) => {
                    Self::answer(&mut s, i, &mut self.written, &mut self.seen)?
                }
                Some(Target::Field(k)) => Self::field(&mut s, k, &mut p)?,
                Some(Target::Model) => Self::model_named(&mut s)?,
                None => return (s.at == text.len() && p.name.is_some()).then_some(p),
            }
        }
    }

    /// An answer to item `i` (into `written`; an item answered twice gives up).
    fn answer(
        s: &mut Scan,
        i: usize,
        written: &mut Vec<(usize, usize, usize)>,
        seen: &mut [bool],
    ) -> Option<()> {
        if std::mem::replace(&mut seen[i], true) {
            return None;
        }
        let value = s.answer()?;
        let end = s.at;
        written.push((i, end - value.len(), end));
        Some(())
    }

    /// The model a sheet names, or its version: a text, a number or `null`.
    fn model_named(s: &mut Scan) -> Option<()> {
        match s.peek()? {
            b'"' => s.string().and_then(utf8).map(|_| ()),
            b'n' => s.word("null").then_some(()),
            _ => s.float().map(|_| ()),
        }
    }

    fn profile<'a>(
        s: &mut Scan<'a>,
        placed: &mut Vec<(usize, usize, Target)>,
    ) -> Option<Profile<'a>> {
        let mut p = Profile::default();
        let mut seen = 0u16;
        s.object(|s, key| {
            let k = match key {
                b"name" => 0,
                b"credit_code" => 1,
                b"region" => 2,
                b"industry" => 3,
                b"employees" => 4,
                b"revenue" => 5,
                b"assets" => 6,
                b"assessed_on" => 7,
                b"synthetic" => 8,
                b"tags" => 9,
                _ => return None,
            };
            if seen & (1 << k) != 0 {
                return None;
            }
            seen |= 1 << k;
            let start = s.at;
            Self::field(s, k, &mut p)?;
            placed.push((start, s.at, Target::Field(k)));
            Some(())
        })?;
        p.name.is_some().then_some(p)
    }

    /// The value of profile field `k` (the order of [`LineReader::profile`]'s keys), into `p`.
    fn field<'a>(s: &mut Scan<'a>, k: usize, p: &mut Profile<'a>) -> Option<()> {
        match k {
            0 => p.name = Some(s.text()?),
            1 => p.credit_code = s.or_null(Scan::text)?,
            2 => p.region = s.or_null(Scan::text)?,
            3 => p.industry = s.or_null(Scan::text)?,
            4..=6 => p.metrics[k - 4] = s.or_null(Scan::float)?,
            7 => p.assessed_on = s.or_null(Scan::text)?,
            8 => {
                p.synthetic = s.or_null(|s| {
                    if s.word("true") {
                        Some(true)
                    } else {
                        s.word("false").then_some(false)
                    }
                })?
            }
            _ => {
                p.tags = s.or_null(|s| {
                    s.eat(b'[')?;
                    let start = s.at;
                    if s.peek()? != b']' {
                        while {
                            s.string()?;
                            s.more(b']')?
                        } {}
                    } else {
                        s.at += 1;
                    }
                    Some((start, s.at - 1))
                })?
            }
        }
        Some(())
    }

    /// Read a line into `out` (its lists and texts reused); `false` when the line is not a plain,
    /// valid answer sheet (then `out` holds nothing of use).
    pub fn read_into(&mut self, text: &[u8], out: &mut Record) -> bool {
        self.read_fields(text, out).is_some()
    }

    fn read_fields(&mut self, text: &[u8], out: &mut Record) -> Option<()> {
        let model = self.model;
        let p = match self.by_layout(text) {
            Some(p) => p,
            None => self.scan(text)?,
        };
        set_text(&mut out.name, plain(p.name?)?);
        match p.credit_code {
            Some(c) if credit_code::is_canonical(c) => set_optional(&mut out.credit_code, Some(c)),
            Some(c) => out.credit_code = Some(credit_code::validate(plain(c)?).ok()?),
            None => out.credit_code = None,
        }
        if let Some(r) = p.region {
            let r = plain(r)?;
            let digits = r.len() == 6 && r.bytes().all(|b| b.is_ascii_digit());
            (digits && self.province_known(&r[..2])).then_some(())?;
        }
        set_optional(&mut out.region, p.region);
        let industry = match p.industry {
            Some(code) => Some(self.industry(plain(code)?)?),
            None => None,
        };
        let industry = industry.and_then(|k| self.industry_list[k].as_ref());
        let [employees, revenue, assets] = [0, 1, 2].map(|k| number(self.fields[k], p.metrics[k]));
        let m = Metrics {
            employees: employees?,
            revenue: revenue?,
            assets: assets?,
        };
        out.assessed_on = match p.assessed_on {
            Some(d) if !d.is_empty() && d == self.last_date.0 => self.last_date.1,
            Some(d) => {
                let d = plain(d)?;
                crate::answers::valid_date(d).then_some(())?;
                let key = date_key(d);
                self.last_date = (d.to_string(), key);
                key
            }
            None => 0,
        };
        out.tags.clear();
        if let Some((start, end)) = p.tags {
            let mut s = Scan {
                text: text.get(..end)?,
                at: start,
            };
            while s.peek().is_some() {
                out.tags.push(plain(s.text()?)?.to_string());
                s.eat(b',');
            }
        }
        let group = industry.map_or_else(|| model.industry_group_of(None), |i| i.group);
        let size: Option<SizeClass> = industry.and_then(|i| i.sector).and_then(|s| s.classify(&m));
        set_optional(&mut out.industry, industry.map(|i| i.code.as_str()));

        // Answers, as the sheet check takes them: an unknown item, an item answered twice, a
        // blank or long-form answer or a wrong one goes the exact way; an answer to an item that
        // does not apply is left out (a warning there).
        let flat = model.flat();
        let group_at = flat.group(group);
        let applies = flat.applies(group_at, size);
        self.counted.fill(None);
        for k in 0..self.written.len() {
            let (i, start, end) = self.written[k];
            if !applies[i] {
                // Left out, but the line must still be text: the exact way refuses one that is not.
                utf8(&text[start..end])?;
                continue;
            }
            let key = short_key_at(text, start, end);
            let counted = self.counted(i, &text[start..end], key);
            counted?;
            self.counted[i] = counted;
        }
        let missing = (self.required.iter().zip(&self.seen).zip(applies))
            .any(|((required, seen), applies)| *required && !seen && *applies);
        if missing {
            return None;
        }
        evaluate_flat_into(model, group_at, size, &self.counted, &mut out.scores);
        constrained_short_into(model, group_at, &out.scores, &mut out.constrained_short);
        set_text(&mut out.industry_group, group);
        out.group_at = group_at;
        out.size = size;
        out.employees = m.employees;
        out.revenue = m.revenue;
        out.assets = m.assets;
        out.synthetic = p.synthetic == Some(true);
        out.demand.clear();
        out.answered = true;
        out.sheet = None;
        Some(())
    }
}

/// Workers' state kept for the whole run: a worker takes one, and gives it back when it is done.
pub struct Pool<'a, T> {
    free: Mutex<Vec<T>>,
    make: Box<dyn Fn() -> T + Sync + 'a>,
}

impl<'a, T: Send> Pool<'a, T> {
    pub fn new(make: impl Fn() -> T + Sync + 'a) -> Pool<'a, T> {
        Pool {
            free: Mutex::new(Vec::new()),
            make: Box::new(make),
        }
    }

    /// Every state made, once no worker holds one.
    pub fn into_inner(self) -> Vec<T> {
        self.free.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// A state, given back when the guard is dropped.
    pub fn take(&self) -> Taken<'_, 'a, T> {
        let found = self.free.lock().ok().and_then(|mut f| f.pop());
        Taken {
            pool: self,
            value: Some(found.unwrap_or_else(|| (self.make)())),
        }
    }
}

/// A state taken from a [`Pool`].
pub struct Taken<'p, 'a, T> {
    pool: &'p Pool<'a, T>,
    value: Option<T>,
}

impl<T> std::ops::Deref for Taken<'_, '_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("taken until dropped")
    }
}

impl<T> std::ops::DerefMut for Taken<'_, '_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("taken until dropped")
    }
}

impl<T> Drop for Taken<'_, '_, T> {
    fn drop(&mut self) {
        if let (Some(v), Ok(mut free)) = (self.value.take(), self.pool.free.lock()) {
            free.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::input::{RawRecord, parse};
    use super::*;
    use proptest::prelude::Just;

    proptest::proptest! {
        /// The eight-bytes-at-a-time end of a string is where a byte-by-byte scan stops.
        #[test]
        fn a_string_ends_where_a_byte_scan_ends(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    Just(b'"'), Just(b'\\'), Just(0x1fu8), Just(b' '), Just(b'a'), Just(0x80u8),
                    Just(0xe5u8), 0u8..=255,
                ],
                0..40,
            )
        ) {
            let naive = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .filter(|&n| bytes[n] == b'"');
            proptest::prop_assert_eq!(string_end(&bytes), naive);
        }

        /// The eight-bytes-at-a-time search for a byte finds the first, as a byte scan does.
        #[test]
        fn a_byte_is_found_where_a_byte_scan_finds_it(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![Just(b']'), Just(b'"'), Just(0x5cu8), Just(0xddu8), 0u8..=255],
                0..40,
            )
        ) {
            let naive = bytes.iter().position(|&c| c == b']');
            proptest::prop_assert_eq!(byte_at(&bytes, b']'), naive);
        }
    }

    /// The bundled model and `count` simulated sheets of it (seed `seed`), one a line.
    fn simulated(count: u64, seed: u64) -> (&'static Model, String) {
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let mut text = Vec::new();
        crate::aggregate::simulate::simulate(model, count, seed, 1, &mut text).expect("simulate");
        (model, String::from_utf8(text).expect("UTF-8"))
    }

    /// What a record says, for comparing the two ways (the exact way also keeps the sheet).
    fn figures(r: &Record) -> String {
        format!(
            "{} {:?} {} {:?} {:?} {} {:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {}",
            r.name,
            r.credit_code,
            r.assessed_on,
            r.region,
            r.industry,
            r.industry_group,
            r.size,
            r.employees,
            r.revenue,
            r.assets,
            r.tags,
            r.synthetic,
            r.scores,
            r.constrained_short,
            r.answered,
        )
    }

    fn exact(model: &Model, line: &str) -> Result<Record, String> {
        let raw = RawRecord::own("t.jsonl".into(), 1, line.to_string());
        parse(model, raw).map_err(|e| format!("{} {}", e.code, e.message))
    }

    /// Ways to spoil or vary a sheet: each is taken the exact way or read the same.
    fn variants(line: &str) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(line).expect("simulated line");
        let mut out = Vec::new();
        let mut edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut x = v.clone();
            f(&mut x);
            out.push(x.to_string());
        };
        use serde_json::json;
        edit(&|x| x["answers"]["after-sales"] = json!(9));
        edit(&|x| x["answers"]["after-sales"] = json!("na"));
        edit(&|x| x["answers"]["after-sales"] = json!(null));
        edit(&|x| x["answers"]["after-sales"] = json!({"answer": 2, "note": "n"}));
        edit(&|x| x["answers"]["talent"] = json!(["C", "C"]));
        edit(&|x| x["answers"]["talent"] = json!("C,D"));
        edit(&|x| x["answers"]["talent"] = json!(["Z"]));
        // Sets the check refuses ("none" with another option), read again from what is kept.
        edit(&|x| x["answers"]["talent"] = json!(["A", "C"]));
        edit(&|x| x["answers"]["talent"] = json!(["C", "A"]));
        edit(&|x| x["answers"]["talent"] = json!(["A"]));
        edit(&|x| x["answers"]["funding"] = json!(-3));
        edit(&|x| x["answers"]["funding"] = json!({"numerator": 1, "denominator": 4}));
        edit(&|x| x["answers"]["digital-planning"] = json!("b"));
        edit(&|x| x["answers"]["cost-per-revenue"] = json!("BETTER"));
        edit(&|x| x["answers"]["no-such-item"] = json!(1));
        edit(&|x| {
            x["answers"].as_object_mut().map(|a| a.remove("hr"));
        });
        edit(&|x| {
            x["answers"]
                .as_object_mut()
                .map(|a| a.remove("product-pass-rate"));
        });
        edit(&|x| x["answers"] = json!(null));
        edit(&|x| x["answers"] = json!({}));
        edit(&|x| x["profile"]["name"] = json!(" 名字 "));
        edit(&|x| x["profile"]["name"] = json!(""));
        edit(&|x| x["profile"]["credit_code"] = json!("91441900MA10000004"));
        edit(&|x| x["profile"]["credit_code"] = json!("91441900ma10000003"));
        edit(&|x| x["profile"]["credit_code"] = json!(null));
        edit(&|x| x["profile"]["region"] = json!("991900"));
        edit(&|x| x["profile"]["region"] = json!(441900));
        edit(&|x| x["profile"]["industry"] = json!("c3982"));
        edit(&|x| x["profile"]["industry"] = json!("3982"));
        edit(&|x| x["profile"]["industry"] = json!("A0111"));
        edit(&|x| x["profile"]["industry"] = json!("F5199"));
        edit(&|x| x["profile"]["industry"] = json!("Q9999"));
        edit(&|x| x["profile"]["industry"] = json!(null));
        edit(&|x| x["profile"]["employees"] = json!(12.5));
        edit(&|x| x["profile"]["employees"] = json!(-1));
        edit(&|x| x["profile"]["employees"] = json!(2000));
        edit(&|x| x["profile"]["revenue"] = json!(null));
        edit(&|x| x["profile"]["revenue"] = json!("500万元"));
        edit(&|x| x["profile"]["assessed_on"] = json!("2026-02-30"));
        edit(&|x| x["profile"]["assessed_on"] = json!(null));
        edit(&|x| x["profile"]["tags"] = json!(["专精特新", "创新型中小企业"]));
        edit(&|x| x["profile"]["tags"] = json!("专精特新"));
        edit(&|x| x["profile"]["tags"] = json!([" x"]));
        edit(&|x| x["profile"]["synthetic"] = json!("yes"));
        edit(&|x| x["profile"]["assessor"] = json!("张三"));
        edit(&|x| x["profile"]["size"] = json!("small"));
        edit(&|x| x["model"] = json!("other-model"));
        edit(&|x| x["model_version"] = json!(2024));
        edit(&|x| x["level_score"] = json!(50));
        edit(&|x| x["extra"] = json!(1));
        edit(&|x| {
            x.as_object_mut().map(|a| a.remove("profile"));
        });
        out.push(line.replacen("\"profile\"", "\"answers\":{},\"profile\"", 1));
        out.push(line.replacen("\"name\":\"", "\"name\":\"\\u6a21", 1));
        out.push(line.replacen('{', "{\"answers\":{\"hr\":2},", 1));
        out.push(format!(" {line} "));
        out.push(line[..line.len() / 2].to_string());
        // What the hand-written reading must take as serde_json does, or leave to the exact way.
        out.push(serde_json::to_string_pretty(&v).expect("JSON"));
        out.push(line.replace(':', " : ").replace(',', " ,\t"));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[\"F\",\"", 1));
        // Lists the fast way takes as far as their first `]`.
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[\"]\",\"", 1));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[[\"C\"],\"", 1));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[1,\"", 1));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[\"C\\\"]\",\"", 1));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[ \"", 1));
        out.push(line.replacen("\"talent\":[", "\"talent\":[],\"x\":[", 1));
        out.push(line.replacen("\"talent\":[\"", "\"talent\":[\"C\"", 1));
        out.push(line.replacen("\"name\":\"", "\"name\":\"a\\\"b", 1));
        out.push(line.replacen("\"hr\"", "\"h\\u0072\"", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":0", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":-", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":1.", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":[", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":true,\"x\":", 1));
        out.push(line.replacen("\"hr\":", "\"hr\":2,\"hr\":", 1));
        out.push(line.replacen("\"name\":", "\"name\":\"x\",\"name\":", 1));
        out.push(line.replacen("\"profile\":{", "\"profile\":{\"tags\":[],", 1));
        out.push(line.replacen(
            "\"profile\":{",
            "\"profile\":{\"tags\":[ \"专精特新\" , \"x\" ],",
            1,
        ));
        out.push(line.replacen("\"profile\":{", "\"profile\":{\"tags\":[\"a\",],", 1));
        out.push(line.replacen("\"profile\":{", "\"profile\":{\"synthetic\":null,", 1));
        out.push(line.replacen(
            "\"model\":\"sme-dx-2024\"",
            "\"model\":{\"id\":\"sme-dx-2024\"}",
            1,
        ));
        out.push(line.replacen("\"model\":\"sme-dx-2024\"", "\"model\":null", 1));
        out.push(line.replacen("\"model\":\"sme-dx-2024\"", "\"model\":7", 1));
        out.push(line.replacen("\"assessed_on\":\"", "\"assessed_on\":\" ", 1));
        out.push(line.replacen("\"employees\":", "\"employees\":1e400,\"x\":", 1));
        out.push(line.replacen("\"employees\":", "\"employees\":01,\"x\":", 1));
        out.push(line.replacen('}', "},", 1));
        out.push(format!("{line}}}"));
        out.push(format!("{line}x"));
        out.push(format!("[{line}]"));
        out
    }

    /// Records read both ways: the fast way reads a line as the exact way does, or leaves it.
    fn same_or_left(reader: &mut LineReader, model: &Model, line: &str) -> bool {
        let want = exact(model, line);
        let Some(got) = reader.read(line.as_bytes()) else {
            return false;
        };
        match want {
            Ok(want) => assert_eq!(figures(&got), figures(&want), "{line}"),
            Err(e) => panic!("the fast way read a record the exact way refuses ({e}): {line}"),
        }
        true
    }

    #[test]
    fn a_list_of_options_counts_by_the_options_chosen_in_any_order() {
        let (model, line) = simulated(1, 3);
        let line = line.trim();
        let mut reader = LineReader::new(model);
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let old = format!("\"talent\":{}", v["answers"]["talent"]);
        let mut read = Vec::new();
        for talent in [
            r#"["C","D"]"#,
            r#"["D","C"]"#,
            r#"["C", "D"]"#,
            r#"["C","D","C"]"#,
            r#"["C"]"#,
            r#"[]"#,
        ] {
            let edited = line.replacen(&old, &format!("\"talent\":{talent}"), 1);
            read.push(same_or_left(&mut reader, model, &edited));
        }
        // Plain lists are read the fast way (the same as the exact way, checked above); an empty
        // list is an error, left to the exact way.
        assert_eq!(read, [true, true, true, true, true, false]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// A simulated line with a few characters inserted, replaced or taken out: read as the
        /// exact way reads it, or left to it; never a panic.
        #[test]
        fn an_edited_line_is_read_as_the_exact_way_reads_it(
            seed in 0u64..50,
            edits in proptest::collection::vec((0usize..2000, 0usize..3, 0usize..16), 1..4),
        ) {
            let (model, text) = simulated(1, seed);
            let mut line: Vec<char> = text.trim().chars().collect();
            const CHARS: [char; 16] = ['{', '}', '[', ']', '"', ':', ',', ' ', '\\', '0', '9', '.', '-', 'e', 'n', '中'];
            for (at, how, c) in edits {
                let at = at % (line.len() + 1);
                match how {
                    0 => line.insert(at, CHARS[c]),
                    1 if at < line.len() => line[at] = CHARS[c],
                    _ if at < line.len() => {
                        line.remove(at);
                    }
                    _ => {}
                }
            }
            let line: String = line.into_iter().collect();
            let mut reader = LineReader::new(model);
            same_or_left(&mut reader, model, &line);
        }
    }

    proptest::proptest! {
        #[test]
        fn a_plain_number_reads_as_serde_json_reads_it(
            whole in 0u64..10_000_000_000_000,
            fraction in proptest::option::of("[0-9]{1,8}"),
            lead in proptest::option::of("[0-9]{1,3}"),
        ) {
            let mut text = format!("{}{whole}", lead.unwrap_or_default());
            if let Some(f) = &fraction {
                text = format!("{text}.{f}");
            }
            let want = serde_json::from_str::<f64>(&text).ok();
            match plain_number(text.as_bytes()) {
                Some(got) => proptest::prop_assert_eq!(Some(got.to_bits()), want.map(f64::to_bits), "{}", text),
                // Left to serde_json: a leading zero (an error there too) or more than 15 digits.
                None => proptest::prop_assert!(
                    want.is_none() || text.bytes().filter(u8::is_ascii_digit).count() > 15,
                    "{}", text
                ),
            }
        }
    }

    #[test]
    fn plain_numbers_and_the_rest() {
        for (text, want) in [
            ("567", Some(567.0)),
            ("53762.0", Some(53762.0)),
            ("0.1", Some(0.1)),
        ] {
            assert_eq!(plain_number(text.as_bytes()), want, "{text}");
        }
        for text in [
            "-1",
            "1e3",
            "012",
            "1.",
            ".5",
            "+1",
            "1.2.3",
            "",
            "1234567890123456",
        ] {
            assert_eq!(plain_number(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_anywhere_goes_the_exact_way() {
        let (model, text) = simulated(50, 3);
        let mut reader = LineReader::new(model);
        // Every way these lines answer is remembered first, so a bad byte cannot pass as a
        // remembered answer.
        for line in text.lines() {
            assert!(reader.read(line.as_bytes()).is_some(), "{line}");
        }
        let line = text.lines().next().expect("a line");
        let places = [
            ("\"name\":\"", "the name"),
            ("\"model\":\"", "the model named"),
            ("\"industry\":\"", "the industry"),
            ("\"assessed_on\":\"", "the date"),
            ("\"digital-planning\":\"", "a single-choice answer"),
            ("\"talent\":[\"", "an option of a list"),
            ("{\"", "an item's key"),
        ];
        for (after, what) in places {
            let at = line.find(after).expect(after) + after.len();
            for bad in [&b"\xFF"[..], b"\xE4\xB8", b"\xC0\x80"] {
                let mut bytes = line.as_bytes()[..at].to_vec();
                bytes.extend_from_slice(bad);
                bytes.extend_from_slice(&line.as_bytes()[at..]);
                assert!(std::str::from_utf8(&bytes).is_err());
                assert!(
                    reader.read(&bytes).is_none(),
                    "a bad byte in {what} was read"
                );
            }
        }
        // A bad byte in an answer to an item that does not apply to the firm (left out, not
        // checked): the line is still not text.
        let flat = model.flat();
        let (line_of, other) = (text.lines())
            .find_map(|l| {
                let r = reader.read(l.as_bytes()).expect("read");
                let applies = flat.applies(flat.group(&r.industry_group), r.size);
                let other = (model.items.iter().zip(applies)).find(|(item, applies)| {
                    !**applies && !l.contains(&format!("\"{}\"", item.id))
                })?;
                Some((l, other.0.id.as_str()))
            })
            .expect("a firm with an item that does not apply to it");
        let with = |answer: &[u8]| {
            let mut bytes = b"{\"answers\":{".to_vec();
            bytes.extend_from_slice(format!("\"{other}\":\"").as_bytes());
            bytes.extend_from_slice(answer);
            bytes.extend_from_slice(b"\",");
            bytes.extend_from_slice(&line_of.as_bytes()[12..]);
            bytes
        };
        assert!(reader.read(&with(b"x")).is_some(), "an answer left out");
        assert!(
            reader.read(&with(b"\xFF")).is_none(),
            "a bad byte left out was read"
        );
        // An answer that is one bad byte (a short answer is looked up by its bytes).
        let at = line.find("\"digital-planning\":\"").expect("item") + 20;
        let mut bytes = line.as_bytes().to_vec();
        bytes[at] = 0xFF;
        assert!(
            reader.read(&bytes).is_none(),
            "an answer of one bad byte was read"
        );
    }

    #[test]
    fn the_fast_way_reads_what_the_exact_way_reads_or_leaves_it_to_it() {
        let (model, text) = simulated(300, 7);
        let mut reader = LineReader::new(model);
        let (mut plain, mut varied) = (0, 0);
        for (n, line) in text.lines().enumerate() {
            let mut lines = vec![line.to_string()];
            if n % 10 == 0 {
                lines.extend(variants(line));
            }
            for (k, line) in lines.iter().enumerate() {
                let want = exact(model, line);
                let Some(got) = reader.read(line.as_bytes()) else {
                    continue;
                };
                *(if k == 0 { &mut plain } else { &mut varied }) += 1;
                match want {
                    Ok(want) => assert_eq!(figures(&got), figures(&want), "{line}"),
                    Err(e) => {
                        panic!("the fast way read a record the exact way refuses ({e}): {line}")
                    }
                }
            }
        }
        // Every simulated sheet goes the fast way, and the variants that are valid plain sheets
        // (`na`, tags, another size, no credit code or date, another model named) too.
        assert_eq!(plain, 300);
        assert!(varied >= 8 * 30, "{varied} variants read the fast way");
    }

    /// A simulated line laid out another way: `spaced` puts a space after each `,` and `:`,
    /// `profile_first` writes the keys of the top level in the reverse order.
    fn laid_out(line: &str, spaced: bool, profile_first: bool) -> String {
        fn write(v: &serde_json::Value, gap: &str, out: &mut String) {
            match v {
                serde_json::Value::Object(o) => {
                    out.push('{');
                    for (n, (k, v)) in o.iter().enumerate() {
                        let comma = if n > 0 {
                            format!(",{gap}")
                        } else {
                            String::new()
                        };
                        *out += &format!("{comma}{}:{gap}", serde_json::Value::from(k.as_str()));
                        write(v, gap, out);
                    }
                    out.push('}');
                }
                serde_json::Value::Array(a) => {
                    out.push('[');
                    for (n, v) in a.iter().enumerate() {
                        *out += if n > 0 { "," } else { "" };
                        *out += if n > 0 { gap } else { "" };
                        write(v, gap, out);
                    }
                    out.push(']');
                }
                v => *out += &v.to_string(),
            }
        }
        let v: serde_json::Value = serde_json::from_str(line).expect("simulated line");
        let mut top: Vec<(&String, &serde_json::Value)> =
            v.as_object().expect("object").iter().collect();
        if profile_first {
            top.reverse();
        }
        let gap = if spaced { " " } else { "" };
        let mut out = String::from("{");
        for (n, (k, v)) in top.into_iter().enumerate() {
            out += &format!("{}\"{k}\":{gap}", if n > 0 { "," } else { "" });
            write(v, gap, &mut out);
        }
        out.push('}');
        out
    }

    #[test]
    fn lines_laid_out_as_lines_before_are_read_by_their_layout() {
        let (model, text) = simulated(120, 11);
        let mut reader = LineReader::new(model);
        let mut learnt = std::collections::HashSet::new();
        let mut by_layout = 0;
        for (n, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).expect("simulated line");
            let keys: Vec<String> = ["answers", "profile"]
                .iter()
                .flat_map(|k| v[*k].as_object().expect("object").keys().cloned())
                .collect();
            let line = laid_out(line, n % 3 == 1, n % 3 == 2);
            // A line laid out as one read before (its style, the same items answered and the same
            // profile fields given) is read by the layout learnt from it.
            let known = !learnt.insert((n % 3, keys));
            let read = reader.by_layout(line.as_bytes()).is_some();
            assert_eq!(read, known, "line {n}: {line}");
            by_layout += usize::from(read);
            assert!(
                same_or_left(&mut reader, model, &line),
                "line {n} left: {line}"
            );
        }
        assert!(by_layout >= 80, "{by_layout} lines read by a layout");
        // Lines laid out in ever new ways (here: more and more spaces before the first key) add a
        // few branches to a node, no more.
        let line = text.lines().next().expect("a line");
        let mut many = LineReader::new(model);
        for n in 0..50 {
            let spaced = format!("{{{}{}", " ".repeat(n), &line[1..]);
            assert!(same_or_left(&mut many, model, &spaced));
        }
        let root = std::iter::successors(Some(many.layouts.nodes[0].child), |&c| {
            Some(many.layouts.nodes[c as usize].next).filter(|&n| n != 0)
        });
        assert_eq!(root.count(), LAYOUT_BRANCHES);

        // Three layouts of the sheets of a few industry groups: a tree of a few hundred nodes,
        // not one per line.
        assert!(
            reader.layouts.nodes.len() < 120 * 50,
            "{}",
            reader.layouts.nodes.len()
        );

        // A line whose bytes between values are those of a layout, but whose values are of
        // other kinds or wrong, is read as the cursor reads it, or left to the exact way.
        let line = text.lines().next().expect("a line");
        let v: serde_json::Value = serde_json::from_str(line).expect("simulated line");
        let hr = format!("\"hr\":{}", v["answers"]["hr"]);
        let edits = [
            (hr.as_str(), "\"hr\":\"3\""),
            (hr.as_str(), "\"hr\":  3"),
            (hr.as_str(), "\"hr\":null"),
            (hr.as_str(), "\"hr\":[3]"),
            ("\"employees\":", "\"employees\":-"),
            ("\"region\":\"", "\"region\":null,\"x\":\""),
            ("\"name\":\"", "\"name\":\"\\u0041"),
            ("\"synthetic\":true", "\"synthetic\":false"),
            ("\"synthetic\":true", "\"synthetic\":null"),
            ("\"model\":\"sme-dx-2024\"", "\"model\":null"),
            ("}}", "}} "),
            ("}}", "}}}"),
        ];
        let mut read = 0;
        for (from, to) in edits {
            let mut reader = LineReader::new(model);
            assert!(reader.read(line.as_bytes()).is_some());
            assert!(line.contains(from), "{from}");
            let edited = line.replacen(from, to, 1);
            read += usize::from(same_or_left(&mut reader, model, &edited));
            // A line read by a layout is read alike by a reader that knows none.
            let fresh = LineReader::new(model).read(edited.as_bytes());
            let by_layout = reader.read(edited.as_bytes());
            assert_eq!(
                by_layout.as_ref().map(figures),
                fresh.as_ref().map(figures),
                "{edited}"
            );
        }
        // `"hr":  3`, `false`, `null`, the model named `null` and a space at the end are plain
        // sheets still.
        assert!(read >= 6, "{read}");
    }
}
