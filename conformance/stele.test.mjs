// Runs the official Durable Streams server conformance suite against a Stele server.
// CONFORMANCE_TEST_URL is the server's base URL (run.sh starts the server and sets it).
import { describe } from "vitest"
import { runConformanceTests } from "@durable-streams/server-conformance-tests"

const baseUrl = process.env.CONFORMANCE_TEST_URL
if (!baseUrl) {
  throw new Error("set CONFORMANCE_TEST_URL to the server's base URL, e.g. http://127.0.0.1:4437")
}

describe("stele", () => {
  runConformanceTests({ baseUrl })
})
