/**
 * Just enough of the zip format to measure what Lambda gets: write a zip
 * of built files (deflate, as the Framework packs them) and read one back.
 * Node's zlib does the compression, so `npm run bench` needs no `zip` or
 * `unzip` on the machine. No zip64, no encryption: function zips need
 * neither.
 * @module
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const DEFLATE = 8;
const STORED = 0;
// 1980-01-01 00:00, as the Framework writes it: the same input gives the
// same zip, byte for byte.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const FILE_MODE = 0o100644;

/** A zip of `entries`, each deflated at the highest level. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const packed = deflateRawSync(entry.data, { level: 9 });
    const sizes = { crc: crc32(entry.data), packed, size: entry.data.length };
    const local = Buffer.concat([localHeader(name, sizes), name, packed]);
    centrals.push(Buffer.concat([centralHeader(name, sizes, offset), name]));
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);

  return Buffer.concat([
    ...locals,
    directory,
    endOfDirectory(entries.length, directory.length, offset),
  ]);
}

/** The files of a zip, directories left out. */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(uint32(END_OF_DIRECTORY));
  if (end < 0) {
    throw new Error('not a zip file: no end of central directory');
  }
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(at) !== CENTRAL_HEADER) {
      throw new Error('broken zip central directory');
    }
    const nameLength = zip.readUInt16LE(at + 28);
    const skip =
      nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (!name.endsWith('/')) {
      entries.push({ name, data: readEntry(zip, at) });
    }
    at += 46 + skip;
  }

  return entries;
}

function readEntry(zip: Buffer, central: number): Buffer {
  const method = zip.readUInt16LE(central + 10);
  const packedSize = zip.readUInt32LE(central + 20);
  const local = zip.readUInt32LE(central + 42);
  const start =
    local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const packed = zip.subarray(start, start + packedSize);
  if (method === STORED) {
    return Buffer.from(packed);
  }
  if (method === DEFLATE) {
    return inflateRawSync(packed);
  }
  throw new Error(`zip compression method ${method} is not supported`);
}

interface Sizes {
  crc: number;
  packed: Buffer;
  size: number;
}

function localHeader(name: Buffer, sizes: Sizes): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(DEFLATE, 8);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(sizes.crc, 14);
  header.writeUInt32LE(sizes.packed.length, 18);
  header.writeUInt32LE(sizes.size, 22);
  header.writeUInt16LE(name.length, 26);

  return header;
}

function centralHeader(name: Buffer, sizes: Sizes, offset: number): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  // Made by Unix (3), so the file mode in the external attributes counts.
  header.writeUInt16LE((3 << 8) | 20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(DEFLATE, 10);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(sizes.crc, 16);
  header.writeUInt32LE(sizes.packed.length, 20);
  header.writeUInt32LE(sizes.size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt32LE(FILE_MODE * 0x10000, 38);
  header.writeUInt32LE(offset, 42);

  return header;
}

function endOfDirectory(count: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);

  return end;
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);

  return buffer;
}
