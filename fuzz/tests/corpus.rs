//! Runs every target over its corpus (`corpus/TARGET/`), then over a fixed number of mutations of
//! it (bit flips, byte changes, cuts, splices, repeats; `EXAX_FUZZ_EXECS` per target, default
//! 20,000), so the targets are exercised without nightly or libFuzzer. Prints executions per target.

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("config", exax_fuzz::config),
    ("msgpack", exax_fuzz::msgpack),
    ("dataset_meta", exax_fuzz::dataset_meta),
    ("csv", exax_fuzz::csv),
    ("urd_log", exax_fuzz::urd_log),
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'"', b'\n', b'\r', b',', b'{', b'}', b'[', b':', b'-', b'9', 0xc1, 0xdc, 0xdd, 0xde, 0xdf, 0xc7, 0xd4,
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.truncate(i);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, INTERESTING[rng.below(INTERESTING.len())]);
            }
            4 if !v.is_empty() => {
                let a = rng.below(v.len());
                let b = (a + rng.below(16)).min(v.len());
                v.drain(a..b);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let at = rng.below(v.len() + 1);
                let from = rng.below(other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            _ if !v.is_empty() && v.len() < 4096 => {
                let a = rng.below(v.len());
                let b = (a + 1 + rng.below(8)).min(v.len());
                let piece = v[a..b].to_vec();
                let at = rng.below(v.len() + 1);
                v.splice(at..at, piece.iter().copied().cycle().take(piece.len() * (1 + rng.below(4))));
            }
            _ => {}
        }
    }
    v
}

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn corpus_and_mutations() {
    let execs: usize = std::env::var("EXAX_FUZZ_EXECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    for (name, target) in TARGETS {
        let seeds = corpus(name);
        assert!(!seeds.is_empty(), "corpus/{name} is empty");
        for s in &seeds {
            target(s);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
        let mut pool = seeds.clone();
        for i in 0..execs {
            let base = pool[rng.below(pool.len())].clone();
            let input = mutate(&mut rng, &seeds, &base);
            let result = std::panic::catch_unwind(|| target(&input));
            if result.is_err() {
                let out = std::env::temp_dir().join(format!("exax-fuzz-crash-{name}-{i}"));
                std::fs::write(&out, &input).unwrap();
                panic!("target {name} panicked on input {} ({} bytes)", out.display(), input.len());
            }
            // Keep some mutants as new bases, so mutations stack.
            if rng.below(8) == 0 && pool.len() < 256 {
                pool.push(input);
            }
        }
        eprintln!("fuzz {name}: {} corpus files, {execs} mutated executions", seeds.len());
    }
}
