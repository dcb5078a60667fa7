"""`manage.py release`: the one step that readies a checkout to serve (README,
"In production"). Run before the web and worker processes start (the
`productivity-release` systemd unit; the Procfile's `release:` line), on
every deploy, from a clean checkout as from an old one; safe to run again.

1. Build the front-end assets (`npm ci` when node_modules is missing or
   older than the lock file, then `npm run build`: assets-build/).
2. Collect static files (`collectstatic`): with debug off, pages and printed
   papers name files through the manifest, and a missing manifest entry is
   a server error ("Missing staticfiles manifest entry").
3. Migrate the database.
4. Sync the roles' groups and permissions (also done after every migrate;
   here explicitly, for a deploy with no migration).
5. Check that a page and the paper's stylesheet resolve through the manifest.

`--skip-assets` when the assets were built elsewhere (a build machine).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Build assets, collect static files, migrate and sync roles: run before starting."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-assets",
            action="store_true",
            help="Do not build the front-end assets (already in assets-build/).",
        )

    def handle(self, *args, skip_assets: bool = False, **options) -> None:
        verbosity = options.get("verbosity", 1)
        if not skip_assets:
            self._step("Building the front-end assets")
            self._build_assets(Path(settings.BASE_DIR))
        if not finders.find("portal.css"):
            raise CommandError(
                "assets-build/portal.css is missing: build the assets (npm run build) "
                "or run release without --skip-assets"
            )
        self._step("Collecting static files")
        call_command("collectstatic", interactive=False, verbosity=0)
        self._step("Migrating the database")
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        self._step("Syncing the roles' groups and permissions")
        from programmes.roles import groups_sync

        groups_sync()
        self._step("Checking the static manifest")
        for name in ("portal.css", "govuk-frontend.min.js"):
            try:
                staticfiles_storage.url(name)
            except ValueError as error:
                raise CommandError(f"{name} is not in the static manifest: {error}") from error
        self.stdout.write(self.style.SUCCESS("Released: the web and worker processes may start."))

    def _step(self, text: str) -> None:
        self.stdout.write(f"- {text}")

    def _build_assets(self, root: Path) -> None:
        npm = shutil.which("npm")
        if npm is None:
            raise CommandError("npm is not installed: install Node.js 20+, or use --skip-assets")
        if not _installed_as_locked(root):
            self._run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], root)
        self._run([npm, "run", "--silent", "build"], root)

    def _run(self, argv: list[str], root: Path) -> None:
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CommandError(f"{' '.join(argv[1:])} failed:\n{done.stdout}{done.stderr}")


def _installed_as_locked(root: Path) -> bool:
    """Whether node_modules holds every package at the version
    package-lock.json names (then `npm ci`, which deletes and reinstalls
    node_modules, is not needed)."""
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    for where, package in lock.get("packages", {}).items():
        if not where.startswith("node_modules/") or package.get("optional"):
            continue
        manifest = root / where / "package.json"
        if not manifest.exists():
            return False
        if json.loads(manifest.read_text(encoding="utf-8")).get("version") != package.get(
            "version"
        ):
            return False
    return True
