// Original file: proto/latchkey/v1/agent.proto


export interface ShutdownResponse {
}

export interface ShutdownResponse__Output {
}
