// Turns the unpacked source packages into the pretraining corpus of the embedded task world.
// Called by build-corpus.sh, which downloads and unpacks the packages; see that script for usage.
//
// Steps, per source: read -> normalise to ASCII-ish single-spaced text -> split into sentences -> pack the
// sentences into documents of a few hundred bytes -> drop tiny or non-ASCII-heavy documents -> deduplicate
// (across all sources) -> shuffle with a fixed seed -> take up to a byte budget -> split train/validation/test.
// The output is deterministic: same packages, same bytes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';

const SEED = 1790;                 // the year of the first State of the Union
const BUDGET_BYTES = 1_200_000;    // text bytes taken from each source (about 4.6 MB in all)
const TARGET_DOC = 300;            // a document is closed once it reaches this many bytes ...
const MAX_DOC = 500;               // ... and never exceeds this many
const MIN_DOC = 40;                // shorter documents are dropped
const HELD_OUT_SHARE = 0.03;       // per source: 3 % validation, 3 % test, the rest train
// Fortune files left out: pictures, non-English text, IRC logs, and the files that trade in stereotypes.
// (The offensive fortunes proper live in the fortunes-off package, which is never downloaded.)
const FORTUNE_FILES_SKIPPED = new Set(['art', 'ascii-art', 'translate-me', 'knghtbrd', 'ethnic', 'men-women', 'drugs']);

function args() {
  const a = {};
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  for (const k of ['sotu', 'moby', 'kjv', 'fortunes', 'versions', 'out']) if (!a[k]) throw new Error(`missing --${k}`);
  return a;
}

/** mulberry32: a small seeded PRNG, so the sample does not depend on the JavaScript engine. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Typographic punctuation to ASCII, accents stripped, whitespace collapsed to single spaces. */
function normalise(text) {
  return text
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2014\u2015]/g, ' -- ')
    .replace(/[\u2010-\u2013]/g, '-')
    .replace(/\u2026/g, '...')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function asciiShare(text) {
  let ascii = 0;
  for (const ch of text) if (ch.charCodeAt(0) < 128) ascii++;
  return text.length === 0 ? 0 : ascii / text.length;
}

/** Splits after . ! ? (and a closing quote or bracket) when a capital letter or quote follows. */
function sentences(text) {
  return text.split(/(?<=[.!?]["')\]]?)\s+(?=["'(\[]?[A-Z0-9])/).filter(s => s.length > 0);
}

/** Breaks one over-long sentence at spaces into pieces of at most MAX_DOC bytes. */
function hardWrap(sentence) {
  const pieces = [];
  let current = '';
  for (const word of sentence.split(' ')) {
    if (current.length + word.length + 1 > MAX_DOC && current.length > 0) { pieces.push(current); current = ''; }
    current = current.length === 0 ? word : current + ' ' + word;
  }
  if (current.length > 0) pieces.push(current);
  return pieces;
}

/** Packs consecutive sentences into documents of TARGET_DOC..MAX_DOC bytes. */
function pack(sentenceList) {
  const docs = [];
  let current = '';
  for (const sentence of sentenceList.flatMap(s => (s.length > MAX_DOC ? hardWrap(s) : [s]))) {
    if (current.length > 0 && current.length + 1 + sentence.length > MAX_DOC) { docs.push(current); current = ''; }
    current = current.length === 0 ? sentence : current + ' ' + sentence;
    if (current.length >= TARGET_DOC) { docs.push(current); current = ''; }
  }
  if (current.length > 0) docs.push(current);
  return docs;
}

function readSotu(dir) {
  const files = fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort();
  return files.flatMap(f => pack(sentences(normalise(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).text))));
}

function readMoby(dir) {
  const chapterNumber = f => Number(f.match(/\d+/)?.[0] ?? 0);
  const files = fs.readdirSync(dir).filter(f => /^chapter_\d+\.json$/.test(f)).sort((a, b) => chapterNumber(a) - chapterNumber(b));
  return files.flatMap(f => pack(sentences(normalise(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).text))));
}

/** One verse a line, "Ge1:1 In the beginning ..."; verses of a chapter are packed together. */
function readKjv(file) {
  const chapters = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^([1-3]?[A-Za-z]+\d+):\d+ (.*)$/);
    if (!m) continue;
    if (!chapters.has(m[1])) chapters.set(m[1], []);
    chapters.get(m[1]).push(normalise(m[2]));
  }
  return [...chapters.values()].flatMap(pack);
}

/** Fortune files: cookies separated by lines holding a single %. */
function readFortunes(dir) {
  const files = fs.readdirSync(dir)
    .filter(f => !f.includes('.') && !FORTUNE_FILES_SKIPPED.has(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
  return files.flatMap(f => fs.readFileSync(path.join(dir, f), 'latin1').split(/\n%\n/)
    .map(normalise)
    .flatMap(cookie => (cookie.length > MAX_DOC ? pack(sentences(cookie)) : [cookie])));
}

function main() {
  const a = args();
  const random = rng(SEED);
  const seen = new Set();
  const sources = [
    ['sotu', readSotu(a.sotu)],
    ['moby-dick', readMoby(a.moby)],
    ['kjv', readKjv(a.kjv)],
    ['fortunes', readFortunes(a.fortunes)],
  ];
  const splits = { train: [], validation: [], test: [] };
  const stats = [];
  for (const [source, docs] of sources) {
    const kept = [];
    let droppedShort = 0, droppedNonAscii = 0, droppedDuplicate = 0;
    for (const doc of docs) {
      if (doc.length < MIN_DOC) { droppedShort++; continue; }
      if (asciiShare(doc) < 0.98) { droppedNonAscii++; continue; }
      const text = doc.replace(/[^\x20-\x7e]/g, '');
      const key = text.toLowerCase().replace(/[^a-z0-9]/g, '');
      if (seen.has(key)) { droppedDuplicate++; continue; }
      seen.add(key);
      kept.push(text);
    }
    shuffle(kept, random);
    const sample = [];
    let bytes = 0;
    for (const text of kept) {
      if (bytes >= BUDGET_BYTES) break;
      sample.push(text);
      bytes += text.length;
    }
    const heldOut = Math.round(sample.length * HELD_OUT_SHARE);
    sample.forEach((text, i) => {
      const split = i < heldOut ? 'test' : i < 2 * heldOut ? 'validation' : 'train';
      splits[split].push({ text, source });
    });
    stats.push({ source, documents: docs.length, droppedShort, droppedNonAscii, droppedDuplicate, sampled: sample.length, bytes });
  }
  const lines = [];
  for (const [split, records] of Object.entries(splits)) {
    shuffle(records, random);
    const body = records.map(r => JSON.stringify({ text: r.text, source: r.source }) + '\n').join('');
    const file = path.join(a.out, `pretrain.${split}.jsonl.gz`);
    const gz = zlib.gzipSync(Buffer.from(body, 'utf8'), { level: 9 });
    fs.writeFileSync(file, gz);
    const sha = crypto.createHash('sha256').update(gz).digest('hex');
    lines.push(`| pretrain.${split}.jsonl.gz | ${records.length} | ${Buffer.byteLength(body)} | ${gz.length} | ${sha} |`);
  }
  console.log('Package versions:');
  console.log(fs.readFileSync(a.versions, 'utf8').trim().split('\n').map(l => '- ' + l).join('\n'));
  console.log('\n| source | documents | dropped short | dropped non-ASCII | dropped duplicate | sampled | text bytes |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of stats) {
    console.log(`| ${s.source} | ${s.documents} | ${s.droppedShort} | ${s.droppedNonAscii} | ${s.droppedDuplicate} | ${s.sampled} | ${s.bytes} |`);
  }
  console.log('\n| file | records | bytes (JSONL) | bytes (gzip) | SHA-256 of the .gz |');
  console.log('|---|---|---|---|---|');
  console.log(lines.join('\n'));
}

main();
