// Runs page/ in headless Chromium (Debian's, driven by playwright-core, which never downloads a browser)
// against a running artifact-store: bundles the page with esbuild, serves it on its own loopback origin,
// picks the given files in its <input type=file> as a user would, waits for Uppy to finish, and prints
// {successful, failed} as JSON on stdout. Diagnostics (console, failed requests) go to stderr.
// Input: the environment variable BROWSER_TEST, JSON
//   { api, token, pagePort, chromium, files: [paths], multipartFrom, timeoutSeconds }.
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const config = JSON.parse(process.env.BROWSER_TEST)

const bundle = await build({
  entryPoints: [join(here, 'page', 'uploads.js')], bundle: true, write: false, format: 'esm',
  target: 'chrome120', logLevel: 'warning',
})
const assets = {
  '/': ['text/html', await readFile(join(here, 'page', 'index.html'))],
  '/uploads.js': ['text/javascript', Buffer.from(bundle.outputFiles[0].contents)],
  '/favicon.ico': ['image/x-icon', Buffer.alloc(0)], // asked for by every page; an empty answer keeps the log clean
}
const server = createServer((request, response) => {
  const asset = assets[new URL(request.url, 'http://page').pathname]
  response.writeHead(asset ? 200 : 404, { 'Content-Type': asset ? asset[0] : 'text/plain' })
  response.end(asset ? asset[1] : 'not found')
})
await new Promise((resolve) => server.listen(config.pagePort, '127.0.0.1', resolve))

const browser = await chromium.launch({
  executablePath: config.chromium,
  // This machine has no network but loopback: keep Chromium from reaching for Google's services.
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
let outcome
try {
  const page = await browser.newPage()
  page.on('console', (message) => console.error(`[page ${message.type()}] ${message.text()}`))
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
  page.on('requestfailed', (request) => console.error(`[request failed] ${request.method()} ${request.url()}: ${request.failure()?.errorText}`))
  await page.addInitScript((settings) => { window.ARTIFACT_STORE = settings },
    { api: config.api, token: config.token, multipartFrom: config.multipartFrom })
  await page.goto(`http://127.0.0.1:${config.pagePort}/`)
  await page.setInputFiles('#files', config.files)
  await page.waitForFunction(() => window.uploadResult !== undefined, null, { timeout: config.timeoutSeconds * 1000 })
  outcome = await page.evaluate(() => window.uploadResult)
} catch (error) {
  outcome = { successful: [], failed: [{ name: '*', error: String(error?.stack ?? error) }] }
} finally {
  await browser.close()
  server.close()
}
process.stdout.write(`${JSON.stringify(outcome)}\n`)
process.exitCode = outcome.failed.length === 0 ? 0 : 1
