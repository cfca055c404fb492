import { constants } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';

/** Where an open descriptor really is, from `/proc/self/fd` (Linux); undefined where that is not available. */
export async function descriptorPath(handle: FileHandle): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Opens `realPath` (a path with every symbolic link already resolved, as the sandbox computed it)
 * without following a symbolic link swapped in since: the last component with `O_NOFOLLOW`, and
 * the whole path by asking the kernel where the descriptor really is (`/proc/self/fd/<n>`) and
 * refusing it unless that is `realPath` itself. A directory replaced by a link between the check
 * and the open therefore fails here instead of lending another place's file.
 *
 * @throws an `ELOOP`-coded error when the path changed; the descriptor is closed.
 */
export async function openVerified(realPath: string, flags: number = constants.O_RDONLY): Promise<FileHandle> {
  const handle = await open(realPath, flags | constants.O_NOFOLLOW);
  const where = await descriptorPath(handle);
  if (where !== undefined && where !== realPath) {
    await handle.close();
    throw Object.assign(
      new Error(`${realPath} changed while it was being opened (a symbolic link was swapped in); refused`),
      { code: 'ELOOP' },
    );
  }
  return handle;
}
