export { RotatingFile, type RotatingFileOptions } from './rotating-file.js';
export { listRotatedSet, rotatedName, type RotatedFile, type RotatedSet } from './rotated-set.js';
export { rotationPolicy, type RotationPolicy, type RotationSettings } from './rotation-policy.js';
