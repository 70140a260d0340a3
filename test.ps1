# Windows PowerShell equivalent of `make test`: .\test.ps1   (extra arguments go to pytest)
# Not exercised by CI, which runs on Linux; browser and PostgreSQL tests are skipped without
# Chromium and $env:UNION_TEST_PG_URL.
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
$stamp = ".venv\.dev"
if (-not (Test-Path $stamp) -or (Get-Item requirements-dev.lock).LastWriteTime -gt (Get-Item $stamp).LastWriteTime) {
    .\.venv\Scripts\python.exe -m pip install -q --require-hashes -r requirements-dev.lock
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    New-Item -ItemType File -Force $stamp | Out-Null
}
New-Item -ItemType Directory -Force test-output | Out-Null
.\.venv\Scripts\ruff.exe check .
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
.\.venv\Scripts\python.exe -m pytest -q -p no:cacheprovider --timeout=600 --junitxml=test-output\junit.xml @args
exit $LASTEXITCODE
