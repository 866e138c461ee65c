//! The Events API's reads (listOrgEvents, getOrgEvent, listGroupEvents, getGroupEvent): what the changes
//! recorded, newest first. Writing them is each change's own business, in its transaction.

use super::{ProjectScope, Service, ServiceResult};
use crate::domain::events::{Event, EventQuery};
use crate::domain::{DomainError, ObjectId, Org};
use crate::store::EventScope;

/// One page of events and how many the query admits in all.
pub struct EventPage {
    pub events: Vec<Event>,
    pub total: usize,
}

impl Service {
    pub async fn org_events(
        &self,
        org: &Org,
        query: &EventQuery,
        offset: usize,
        limit: usize,
    ) -> ServiceResult<EventPage> {
        self.events(EventScope::Org(org.id), query, offset, limit).await
    }

    pub async fn project_events(
        &self,
        scope: &ProjectScope,
        query: &EventQuery,
        offset: usize,
        limit: usize,
    ) -> ServiceResult<EventPage> {
        self.events(EventScope::Project(scope.project.id), query, offset, limit).await
    }

    pub async fn org_event(&self, org: &Org, event_id: &ObjectId) -> ServiceResult<Event> {
        self.event(EventScope::Org(org.id), event_id).await
    }

    pub async fn project_event(&self, scope: &ProjectScope, event_id: &ObjectId) -> ServiceResult<Event> {
        self.event(EventScope::Project(scope.project.id), event_id).await
    }

    async fn events(
        &self,
        scope: EventScope,
        query: &EventQuery,
        offset: usize,
        limit: usize,
    ) -> ServiceResult<EventPage> {
        let (events, total) = self.store.read().await?.events(scope, query, offset, limit).await?;
        Ok(EventPage { events, total })
    }

    /// Another org's or project's event is answered exactly as a missing one.
    async fn event(&self, scope: EventScope, event_id: &ObjectId) -> ServiceResult<Event> {
        let event = self.store.read().await?.event(scope, event_id).await?;
        Ok(event.ok_or(DomainError::EventNotFound(*event_id))?)
    }
}
