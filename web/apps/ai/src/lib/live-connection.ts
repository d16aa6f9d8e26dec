import { createContext, useContext } from 'react';

/** Subscribes to "the live connection came back" (chunks may have been missed meanwhile). */
export type OnReconnected = (listener: () => void) => () => void;

export const LiveConnectionContext = createContext<OnReconnected>(() => () => {});

export const useOnReconnected = () => useContext(LiveConnectionContext);
