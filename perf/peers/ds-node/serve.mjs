// The Durable Streams Node reference server, file-backed (fdatasync per append, coalesced), on
// loopback: node serve.mjs PORT DATA_DIR
import { DurableStreamTestServer } from "@durable-streams/server"

const [port, dataDir] = process.argv.slice(2)
const server = new DurableStreamTestServer({
  port: Number(port),
  host: "127.0.0.1",
  dataDir,
  compression: false,
})
await server.start()
console.log(`ds-node listening on ${server.baseUrl} data ${dataDir}`)
const stop = async () => {
  await server.stop()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
