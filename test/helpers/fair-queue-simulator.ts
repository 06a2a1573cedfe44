import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * A stand-in for an SQS standard queue with fair queues (MessageGroupId on a standard queue),
 * since neither local-aws-sqs nor moto_server schedules by group: both accept the attribute and
 * deliver in arrival order (measured: a quiet tenant's job queued behind 300 of a noisy tenant's
 * came out after all 300 on both). Modelled on AWS's description: when one group holds a
 * backlog, a receive serves the groups that have messages in turn, oldest message first within
 * each group, so a quiet tenant's message is not stuck behind a noisy tenant's backlog.
 */
export class FairQueueSimulator {
  private readonly groups = new Map<string, string[]>();
  /** Rotation of groups for the next receive: the least recently served first. */
  private order: string[] = [];

  /** An SQSClient whose SendMessageBatch lands here (what createSqsJobQueue sends). */
  client(): SQSClient {
    return {
      send: async (command: SendMessageBatchCommand) => {
        for (const entry of command.input.Entries ?? []) {
          this.push(entry.MessageGroupId ?? '', entry.MessageBody ?? '');
        }
        return { Successful: command.input.Entries?.map((e) => ({ Id: e.Id })), Failed: [] };
      },
    } as unknown as SQSClient;
  }

  push(group: string, body: string): void {
    const queue = this.groups.get(group) ?? [];
    if (queue.length === 0 && !this.order.includes(group)) this.order.push(group);
    queue.push(body);
    this.groups.set(group, queue);
  }

  /** One ReceiveMessage of up to `max` bodies (deleted at once: the consumer always succeeds). */
  receive(max = 10): string[] {
    const batch: string[] = [];
    while (batch.length < max && this.order.length > 0) {
      const group = this.order.shift() as string;
      const queue = this.groups.get(group) ?? [];
      const body = queue.shift();
      if (body !== undefined) batch.push(body);
      if (queue.length > 0) this.order.push(group);
    }
    return batch;
  }

  get size(): number {
    let total = 0;
    for (const queue of this.groups.values()) total += queue.length;
    return total;
  }
}
