# Windows PowerShell equivalent of `make run`: .\run.ps1   (extra arguments go to launcher.py, e.g. -- --address 0.0.0.0)
# Needs Python 3.11 from python.org (the `py` launcher). Not exercised by CI, which runs on Linux.
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
$stamp = ".venv\.runtime"
if (-not (Test-Path $stamp) -or (Get-Item requirements.lock).LastWriteTime -gt (Get-Item $stamp).LastWriteTime) {
    .\.venv\Scripts\python.exe -m pip install -q --require-hashes -r requirements.lock
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    New-Item -ItemType File -Force $stamp | Out-Null
}
.\.venv\Scripts\python.exe launcher.py @args
exit $LASTEXITCODE
