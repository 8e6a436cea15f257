// A page on another origin uploads the files picked in #files through Uppy's @uppy/aws-s3 plugin,
// wired to the artifact-store API: small files by one presigned PUT, large ones by presigned
// multipart (README "Large uploads: multipart"). window.ARTIFACT_STORE = { api, token } configures it;
// window.uploadResult holds the outcome when every file is done.
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'

const { api, token, multipartFrom } = window.ARTIFACT_STORE

/** One API call with the bearer token; a problem+json answer becomes an error with its detail. */
async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!response.ok) {
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`)
  }
  return response.status === 204 ? null : response.json()
}

const artifactType = (contentType) =>
  contentType.startsWith('video/') ? 'video' : contentType === 'text/plain' ? 'text' : 'model'
const useMultipart = (file) => file.size >= multipartFrom

const uploads = new Map() // Uppy file id -> { artifactId, ticket, uploadId }
const partSizes = new WeakMap() // file data -> the part size the service chose

const artifacts = (file) => `/api/v1/artifacts/${encodeURIComponent(uploads.get(file.id).artifactId)}`
const multipart = (file, uploadId) => `${artifacts(file)}/multipart/${encodeURIComponent(uploadId)}`

const uppy = new Uppy({ autoProceed: false })

// Before Uppy cuts a file into parts it must know the part size, which the service chooses when the
// multipart upload starts: so every artifact is created (and its multipart upload started) first.
uppy.addPreProcessor(async (fileIDs) => {
  for (const id of fileIDs) {
    const file = uppy.getFile(id)
    const created = await call('POST', '/api/v1/artifacts', {
      type: artifactType(file.type), boardId: 'browser', contentType: file.type, size: file.size, filename: file.name,
      ...(useMultipart(file) ? { multipart: true } : {}),
    })
    uploads.set(id, { artifactId: created.artifact.id, ticket: created.upload })
    if (useMultipart(file)) {
      const started = await call('POST', `${artifacts(file)}/multipart?variant=original`)
      uploads.get(id).uploadId = started.uploadId
      partSizes.set(file.data, started.partSize)
    }
  }
})

uppy.use(AwsS3, {
  shouldUseMultipart: useMultipart,
  getChunkSize: (data) => partSizes.get(data),
  // One presigned PUT: the ticket the create call answered.
  getUploadParameters: (file) => {
    const { method, url, headers } = uploads.get(file.id).ticket
    return { method, url, headers }
  },
  createMultipartUpload: (file) => ({ uploadId: uploads.get(file.id).uploadId, key: uploads.get(file.id).artifactId }),
  signPart: async (file, { uploadId, partNumber }) => {
    const { parts } = await call('POST', `${multipart(file, uploadId)}/parts`, { partNumbers: [partNumber] })
    return { method: parts[0].method, url: parts[0].url, headers: parts[0].headers }
  },
  listParts: async (file, { uploadId }) => {
    const { parts } = await call('GET', `${multipart(file, uploadId)}/parts`)
    return parts.map((part) => ({ PartNumber: part.partNumber, Size: part.size, ETag: part.etag }))
  },
  completeMultipartUpload: async (file, { uploadId, parts }) => {
    await call('POST', `${multipart(file, uploadId)}/complete`, {
      parts: parts.map((part) => ({ partNumber: part.PartNumber, etag: part.ETag })),
    })
    return {}
  },
  abortMultipartUpload: (file, { uploadId }) => call('DELETE', multipart(file, uploadId)),
})

// A single PUT is only stored bytes until the service has checked them: complete it.
uppy.addPostProcessor(async (fileIDs) => {
  for (const id of fileIDs) {
    const file = uppy.getFile(id)
    if (file && !file.error && !useMultipart(file)) {
      await call('POST', `${artifacts(file)}/complete?variant=original`)
    }
  }
})

const log = (line) => { document.getElementById('log').textContent += `${line}\n` }
uppy.on('upload-error', (file, error) => log(`${file.name}: ${error.message}`))
uppy.on('upload-success', (file) => log(`${file.name}: uploaded`))

document.getElementById('files').addEventListener('change', async (event) => {
  try {
    for (const data of event.target.files) {
      uppy.addFile({ name: data.name, type: data.type, data, source: 'input' })
    }
    const result = await uppy.upload()
    window.uploadResult = {
      successful: (result?.successful ?? []).map((file) => ({
        name: file.name, artifactId: uploads.get(file.id).artifactId, multipart: useMultipart(file),
      })),
      failed: (result?.failed ?? []).map((file) => ({ name: file.name, error: String(file.error) })),
    }
  } catch (error) {
    window.uploadResult = { successful: [], failed: [{ name: '*', error: String(error?.stack ?? error) }] }
  }
})
