import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentRoot } from '../workspace/FluentRoot';
import { SupervisorPage } from './SupervisorPage';

/** The supervisor's view, `/supervisor` (docs/workspace-api.md is everything it calls). */
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <FluentRoot>
      <SupervisorPage />
    </FluentRoot>
  </StrictMode>,
);
