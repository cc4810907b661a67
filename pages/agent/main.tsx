import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentRoot } from '../workspace/FluentRoot';
import { AgentPage } from './AgentPage';

/** The agent workspace page, `/agent` (docs/workspace-api.md is everything it calls). */
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <FluentRoot>
      <AgentPage />
    </FluentRoot>
  </StrictMode>,
);
