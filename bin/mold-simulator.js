#!/usr/bin/env node
"use strict";
require("../dist/simulator/cli.js")
    .main(process.argv.slice(2))
    .catch((e) => {
        process.stderr.write(`mold-simulator: ${e && e.message ? e.message : e}\n`);
        process.exit(1);
    });
