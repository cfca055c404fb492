/** The filesystem capability: the sandboxed `stator.fs` and the layer that prepares the area. */
export { createFilesystemLayer, type FilesystemLayer, type FilesystemLayerDeps } from './filesystem-layer.js';
export { gatedFs, isTransientFsError, TRANSIENT_FS_CODES } from './gated-fs.js';
export { createStatorFs, type StatorFs, type StatorFsOptions, type WriteFileOptions } from './filesystem-api.js';
export { writeFileAtomic, TEMP_PREFIX, type WriteData, type AtomicWriteOptions } from './atomic-write.js';
export { PathSandbox, type SandboxedPath } from './sandbox.js';
export type { FsError } from './fs-error.js';
