// Preloaded by the tests (.mocharc.json): stack traces point at TypeScript lines, through the inline
// source maps tools/runtime/register.js writes. Left out of the commands, where it costs ~0.3 s.
"use strict";
process.setSourceMapsEnabled(true);
