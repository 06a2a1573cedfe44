export declare const parseVersion: (text: string) => [number, number];
export declare const requiredNode: [number, number];
export declare const requiredNodeText: string;
export declare const isNodeTooOld: (version?: string, required?: [number, number]) => boolean;
export declare const node24Package: (platform?: string, arch?: string) => string | undefined;
export declare const node24Cache: (env?: NodeJS.ProcessEnv) => string;
export declare const tooOldMessage: (command: string, version?: string) => string;
