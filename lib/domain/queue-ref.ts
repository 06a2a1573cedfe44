/** A queue given by URL (AWS) or by name (the local stack's fixed names, resolved at run time). */
export type QueueRef = { url: string } | { name: string };
