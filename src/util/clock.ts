// The one clock shape of eks-dr: the engine asks for a Date and converts with getTime() where it needs ms.

/** The current time; injected so tests and the sandbox can run on a modelled clock. */
export type Now = () => Date;
