/** native/sources.json is the one list of C++ sources: it must name exactly the .cc files under
 *  native/, put *_avx2.cc files (and only those) in the avx2 list and *_avx512.cc files (and only
 *  those) in the avx512 list, and be what both binding.gyp and CMakeLists.txt compile. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const sources = JSON.parse(read('native/sources.json')) as { portable: string[]; avx2: string[]; avx512: string[] };
// empty.cc is the placeholder the build uses when an instruction-set list is empty.
const PLACEHOLDER = 'native/kernels/empty.cc';

function ccFilesUnder(dir: string): string[] {
  return (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.cc'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
    .filter((f) => f !== PLACEHOLDER)
    .sort();
}

describe('native/sources.json', () => {
  it('lists exactly the .cc files under native/, each once', () => {
    const listed = [...sources.portable, ...sources.avx2, ...sources.avx512];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(ccFilesUnder('native'));
  });

  it('puts *_avx2.cc files in the avx2 list and only there', () => {
    for (const f of [...sources.portable, ...sources.avx512]) expect(f, f).not.toMatch(/_avx2\.cc$/);
    for (const f of sources.avx2) expect(f, f).toMatch(/_avx2\.cc$/);
  });

  it('puts *_avx512.cc files in the avx512 list and only there', () => {
    for (const f of [...sources.portable, ...sources.avx2]) expect(f, f).not.toMatch(/_avx512\.cc$/);
    for (const f of sources.avx512) expect(f, f).toMatch(/_avx512\.cc$/);
  });

  it('is what binding.gyp compiles: its source expressions evaluate to the three lists', () => {
    const gyp = read('binding.gyp');
    const commands = [...gyp.matchAll(/<!@\(node -p \\"(.*?)\\"\)/g)].map((m) => m[1].replace(/\\'/g, "'"));
    expect(commands.some((c) => c.includes('sources.json') && c.includes('.portable'))).toBe(true);
    expect(commands.some((c) => c.includes('sources.json') && c.includes('.avx2'))).toBe(true);
    expect(commands.some((c) => c.includes('sources.json') && c.includes('.avx512'))).toBe(true);
    const lists = commands
      .filter((c) => c.includes('sources.json'))
      .map((c) => execFileSync(process.execPath, ['-p', c], { cwd: root, encoding: 'utf8' }).trim().split(/\s+/));
    const orPlaceholder = (l: string[]) => (l.length ? l : [PLACEHOLDER]);
    const expected = [sources.portable, orPlaceholder(sources.avx2), orPlaceholder(sources.avx512)];
    expect(lists.map((l) => [...l].sort())).toEqual(expect.arrayContaining(expected.map((l) => [...l].sort())));
  });

  it('is what CMakeLists.txt compiles: it reads the three lists from native/sources.json', () => {
    const cmake = read('CMakeLists.txt');
    expect(cmake).toMatch(/file\(READ "\$\{CMAKE_SOURCE_DIR\}\/native\/sources\.json"/);
    expect(cmake).toMatch(/read_source_list\(portable PORTABLE_SOURCES\)/);
    expect(cmake).toMatch(/read_source_list\(avx2 AVX2_SOURCES\)/);
    expect(cmake).toMatch(/read_source_list\(avx512 AVX512_SOURCES\)/);
    expect(cmake).toMatch(/add_library\(nativenn_avx2 STATIC \$\{AVX2_SOURCES\}\)/);
    expect(cmake).toMatch(/add_library\(nativenn_avx512 STATIC \$\{AVX512_SOURCES\}\)/);
    expect(cmake).toMatch(/target_compile_options\(nativenn_avx512 PRIVATE -mavx512f\)/);
    expect(cmake).toMatch(/target_link_libraries\(\$\{PROJECT_NAME\} PRIVATE [^)]*nativenn_avx512/);
    expect(cmake).toMatch(/add_library\(\$\{PROJECT_NAME\} SHARED \$\{PORTABLE_SOURCES\}/);
    // No source file is named in CMakeLists.txt or binding.gyp directly (except the placeholder).
    for (const text of [cmake, read('binding.gyp')]) {
      const named = [...text.matchAll(/native\/[\w/]+\.cc/g)].map((m) => m[0]).filter((f) => f !== PLACEHOLDER);
      expect(named).toEqual([]);
    }
  });
});
