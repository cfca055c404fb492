import { sections } from './sections.js';

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = only.length ? sections.filter((s) => only.includes(s.name)) : sections;

console.log(`# Stator benchmark — node ${process.version}, ${new Date().toISOString()}`);
console.log('Ratios compare cases measured in this same run; absolute numbers vary by machine.');
let failed = 0;
for (const section of chosen) {
  try {
    await section.run();
  } catch (error) {
    failed++;
    console.error(`\n## ${section.name}: FAILED`, error);
  }
}
process.exit(failed ? 1 : 0);
