import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Where an output was written. */
export interface StoredOutput {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
}

/** Writes long jobs' assembled outputs to the output bucket; a re-run overwrites the same key with the same bytes. */
export class OutputStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<StoredOutput> {
    const bytes = Buffer.byteLength(body);
    // One PutObject takes up to 5 GB; past a few hundred MB a multipart upload streamed from
    // Redis would keep the task's memory flat (the report's million rows are about 25 MB).
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    return { bucket: this.bucket, key, bytes };
  }
}
