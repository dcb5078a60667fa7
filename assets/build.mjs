// Builds the portal's front-end assets into assets-build/ (git-ignored),
// which Django serves as static files. Run with `npm run build`.
//
// - our SCSS, compiled with Dart Sass against GOV.UK Frontend through the
//   `pkg:` importer, so the font stack and brand colour are ours;
// - GOV.UK Frontend's JavaScript bundle, copied as shipped;
// - the one image our CSS references from GOV.UK Frontend (the footer's
//   crest, required by ManifestStaticFilesStorage's url() rewriting even
//   though our footer never renders it).
import { mkdirSync, copyFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "assets-build");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "images"), { recursive: true });

const result = sass.compile(join(root, "assets", "scss", "portal.scss"), {
  importers: [new sass.NodePackageImporter()],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(join(out, "portal.css"), result.css);

copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(govuk, "assets", "images", "govuk-crest.svg"), join(out, "images", "govuk-crest.svg"));
console.log(`built ${out}`);
