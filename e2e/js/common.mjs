// Helpers shared by the Node scripts and the browser app (bundled).
import { S3Client } from "@aws-sdk/client-s3";

// recorder returns step(name, fn), which stores fn's result (or its
// error, as "error: <name>: <message>") in out[name].
export function recorder(out) {
  return async (name, fn) => {
    try {
      out[name] = await fn();
    } catch (e) {
      out[name] = "error: " + (e.name || e.code) + ": " + e.message;
    }
  };
}

// s3Client is an S3 client for the server env names, path-style.
export const s3Client = (env, credentials) =>
  new S3Client({ region: env.REGION, endpoint: env.ENDPOINT, forcePathStyle: true, credentials });
