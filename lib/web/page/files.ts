/** What the user hands the page — a chosen folder, chosen files, a dropped folder tree — as StudyFiles. */
import type { StudyFile } from '../study.js';

function fromFile(file: File, path: string): StudyFile {
  return { path, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

/** Files of an `<input type=file>` (a folder input gives each file's path in the folder). */
export function filesOfInput(list: FileList): StudyFile[] {
  return Array.from(list, (f) => fromFile(f, f.webkitRelativePath || f.name));
}

function readEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    const next = () => reader.readEntries((batch) => {
      if (!batch.length) resolve(all);
      else {
        all.push(...batch);
        next(); // readEntries hands out at most 100 entries a call
      }
    }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: StudyFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push(fromFile(file, entry.fullPath.replace(/^\//, '')));
  } else if (entry.isDirectory) {
    for (const e of await readEntries(entry as FileSystemDirectoryEntry)) await walk(e, out);
  }
}

/** Files of a drop: folders are walked, each file keeps its path in what was dropped. */
export async function filesOfDrop(data: DataTransfer): Promise<StudyFile[]> {
  const entries = Array.from(data.items).map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return filesOfInput(data.files);
  const out: StudyFile[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}
