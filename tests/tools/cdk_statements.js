// Print the statements a CDK TypeScript module exports, as CDK renders them.
//
// Usage: node cdk_statements.js FILE.ts
//
// Transpiles FILE.ts with the TypeScript compiler (types are checked
// separately with `tsc --noEmit`), runs it against aws-cdk-lib, and prints
// {"NAME": [statement JSON, ...]} for every exported array: each
// statement's toStatementJson() resolved in a stack, the JSON CDK writes
// into a template.
'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');
const ts = require('typescript');

const file = path.resolve(process.argv[2]);
const source = fs.readFileSync(file, 'utf8');
const { outputText, diagnostics } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  reportDiagnostics: true,
});
if (diagnostics && diagnostics.length > 0) {
  for (const diagnostic of diagnostics) {
    console.error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  process.exit(1);
}
const compiled = new Module(file, module);
compiled.filename = file;
// Resolve aws-cdk-lib from this folder's node_modules.
compiled.paths = Module._nodeModulePaths(__dirname);
compiled._compile(outputText, file);
const cdk = compiled.require('aws-cdk-lib');
const stack = new cdk.Stack(new cdk.App(), 'Check', { env: { region: 'us-east-1' } });
const result = {};
for (const [name, value] of Object.entries(compiled.exports)) {
  if (Array.isArray(value)) {
    result[name] = value.map((statement) => stack.resolve(statement.toStatementJson()));
  }
}
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
